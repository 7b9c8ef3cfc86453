def main(doc=None):
    while True:
        pass

def main(doc=None):
    raise KeyboardInterrupt

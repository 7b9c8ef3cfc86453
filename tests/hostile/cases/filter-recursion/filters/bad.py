def main(doc=None):
    return main(doc)

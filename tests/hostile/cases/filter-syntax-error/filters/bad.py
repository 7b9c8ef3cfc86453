def main(doc=None)
    return doc

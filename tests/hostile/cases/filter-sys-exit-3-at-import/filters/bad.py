import sys
sys.exit(3)

def main(doc=None):
    return doc

def main(doc=None):
    raise ValueError('boom')

"""One module per kind of output, each running that field's own validators.

``epub``: EPUBCheck and Ace by DAISY; ``html``: the Nu Html Checker, and axe-core in
headless Chromium (which also takes the phone and desktop screenshots); ``pdf``: read-back
checks with pypdf and PNG pages with pdftoppm. :mod:`citeproof.validate.runner` finds the tools
and puts the results together.
"""

"""``python -m mnist_mlp.compare OLD NEW``: the stable command-line entry point of
``mnist_mlp.present.compare`` (what changed between two sets of results)."""

import sys

from mnist_mlp.present.compare import main

if __name__ == "__main__":
    sys.exit(main())

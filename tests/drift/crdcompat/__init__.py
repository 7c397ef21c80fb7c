"""crdcompat.compare(): every CRD rule in both directions, real upgrades, and the mirror law.

The synthetic tests build the smallest CRD that shows one rule. The real-pair tests assert what
a user upgrading those projects would see. The property tests check that comparing b with a
reports exactly the places comparing a with b does, with the sides swapped.
"""

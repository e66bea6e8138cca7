"""Marketplace listing packs (``imgkit export OUT --for taobao,jd,…``): each item's carousel,
white-background and description images per platform, made from the raw originals through
the build's own steps, named as each platform wants, within its byte caps, and recorded in
the state so a second export makes only what changed.

In data order: ``platforms`` (``--for``) → ``names`` (layouts, Amazon keys) → ``plan`` (what
each pack holds, what is stale) → ``work`` in workers (``render``: the build's steps at the
platform's size; ``white``: the cut-out; ``slices``: the description on ``tree.page``'s page
maker; ``encode``: the byte budget) → ``session`` (files in place, history, state) →
``report`` (the ``--json`` document).
"""

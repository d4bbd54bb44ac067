"""Ownership: which group belongs to which resource, decided from the cloud and the inputs alone.

It owns the ownership tag (`tag.py`: its key, the pending and completed values), who made a
pending group and whether that process is gone (`maker.py`), the fence that decides whether
a pending group may be taken over or removed (`fence.py`), this machine's journal of
unfinished creates (`journal.py`), whether the engine that asked is still there
(`engine_presence.py`), and the calls that follow from them: a create made exactly once and
its lost answer settled (`create.py`), a group completed (`completion.py`), adopted
(`adoption.py`), swept after a delete (`sweep.py`) and retagged (`tagging.py`). It may import
`client`, `domain` and `errors`, never the provider process or the program side.
"""

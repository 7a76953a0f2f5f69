"""Backups of a data dir taken while ``pmemail serve`` runs, and their restore.

``manifest`` describes one backup; ``archive`` opens its compressed (and
optionally age-encrypted) tar stream; ``sources`` lists what to save and
snapshots the SQLite files; ``writer`` makes a full or incremental backup
atomically and applies the retention; ``restore`` rebuilds a data dir from a
chain. Failures are :class:`~mailcore.backup.errors.BackupError` with a
message id and its parameters (worded by ``pmemail.app.backup_texts``).
"""

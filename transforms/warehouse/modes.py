"""Who may read what the night writes: the mode, owner and group of each published file,
its segments and its folders.

DuckDB has no users or grants: a file is the unit of access, and the operating system's
permissions are the only guard. The analysts' file and its segments get the modes of the
configuration (default 0640 / 0750); the restricted file keeps the mode an administrator
gave it (0600 when the night creates it), and its segments and folders follow that mode. A
published file is replaced by a rename, which would give it the mode and owner of the new
copy: `apply` gives the copy those of the file it replaces first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Protection:
    """The mode of files and folders, and their owner and group (None: as created)."""

    file_mode: int
    dir_mode: int
    uid: int | None = None
    gid: int | None = None

    def like(self, published: Path) -> Protection:
        """These modes, with the owner and group of `published` if it exists (else the group
        of its folder if that is setgid: the group an administrator chose for it)."""
        if not published.exists():
            return Protection(self.file_mode, self.dir_mode, gid=_folder_group(published))
        st = published.stat()
        return Protection(self.file_mode, self.dir_mode, st.st_uid, st.st_gid)


RESTRICTED = Protection(0o600, 0o700)
ANALYSTS = Protection(0o640, 0o750)


def dir_mode_for(file_mode: int) -> int:
    """The folder mode that lets exactly the readers of a `file_mode` file in (0600 -> 0700,
    0640 -> 0750)."""
    return file_mode | ((file_mode & 0o444) >> 2)


def kept(published: Path, default: Protection) -> Protection:
    """The protection of the file at `published` (its mode, owner and group, so that what an
    administrator set survives the night), or `default` when there is none yet."""
    if not published.exists():
        return default.like(published)
    st = published.stat()
    mode = stat.S_IMODE(st.st_mode) & 0o666
    return Protection(mode, dir_mode_for(mode), st.st_uid, st.st_gid)


def _folder_group(path: Path) -> int | None:
    """The group of the folder of `path` if that folder is setgid."""
    folder = path.parent
    if folder.is_dir() and folder.stat().st_mode & stat.S_ISGID:
        return folder.stat().st_gid
    return None


def apply(path: Path, p: Protection, *, folder: bool = False) -> None:
    """Give `path` the mode, owner and group of `p`. An owner or group this process may not
    give (not root, not a member) is left as it is, with a warning."""
    if folder:  # a setgid folder (new files take its group, as README advises) stays one
        os.chmod(path, p.dir_mode | (path.stat().st_mode & stat.S_ISGID))
    else:
        os.chmod(path, p.file_mode)
    if p.uid is None and p.gid is None:
        return
    uid, gid = -1 if p.uid is None else p.uid, -1 if p.gid is None else p.gid
    st = path.stat()
    if (uid in (-1, st.st_uid)) and (gid in (-1, st.st_gid)):
        return
    try:
        os.chown(path, uid, gid)
    except PermissionError:
        with contextlib.suppress(PermissionError):
            os.chown(path, -1, gid)
            return
        log.warning(
            "cannot give %s the owner %s and group %s of the file it replaces", path, uid, gid
        )


def make_dirs(path: Path, p: Protection) -> None:
    """Create `path` and its missing parents; the folders created get the mode of `p`
    (existing folders keep theirs)."""
    missing = []
    for parent in (path, *path.parents):
        if parent.exists():
            break
        missing.append(parent)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
            apply(folder, p, folder=True)

"""The Hub side of a pull: the repo's file list with sizes and hashes, and Hub errors made plain.

huggingface_hub is imported inside functions only: importing it costs ~0.5 s and reads
HF_ENDPOINT, HF_TOKEN and friends at import time.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator

from pydantic import BaseModel, Field

from citadel_cli.errors import CitadelError, NotFoundError


class HubError(CitadelError):
    """The Hub refused or could not be reached."""


class HubUnreachable(HubError):
    """The connection failed or dropped (not an answer from the Hub): worth a retry that resumes."""


class RemoteFile(BaseModel):
    path: str
    size: int
    sha256: str | None = Field(None, description="From the LFS metadata; None for small git files.")
    blob_id: str | None = Field(None, description="git blob sha1 (small files are checked against it).")


class RemoteRepo(BaseModel):
    repo: str
    revision: str
    commit: str
    files: list[RemoteFile]


def endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT


def fetch_listing(repo: str, revision: str) -> RemoteRepo:
    """model_info with file metadata: the resolved commit plus every file's size (and sha256 for LFS)."""
    from huggingface_hub import HfApi

    with hub_errors(repo, revision):
        info = HfApi().model_info(repo, revision=revision, files_metadata=True)
    files = [
        RemoteFile(path=s.rfilename, size=_size(s), sha256=s.lfs.sha256 if s.lfs else None, blob_id=s.blob_id)
        for s in info.siblings or []
    ]
    if not info.sha:
        raise HubError(f"the Hub did not resolve {repo}@{revision} to a commit", hint="retry later")
    return RemoteRepo(repo=repo, revision=revision, commit=info.sha, files=files)


def _size(sibling) -> int:  # huggingface_hub.hf_api.RepoSibling
    if sibling.size is not None:
        return sibling.size
    if sibling.lfs is not None:
        return sibling.lfs.size
    raise HubError(f"the Hub gave no size for {sibling.rfilename}", hint="retry later")


def transport_errors() -> tuple[type[BaseException], ...]:
    """Network-level exceptions of the HTTP library huggingface_hub uses (httpx in 1.x, httpx2 in 2.x)."""
    from huggingface_hub.utils import get_session

    module = importlib.import_module(type(get_session()).__module__.split(".")[0])
    return (module.TransportError,)


@contextlib.contextmanager
def hub_errors(repo: str, revision: str, path: str | None = None) -> Iterator[None]:
    """Turn huggingface_hub's and the transport's exceptions into one clear HubError line each."""
    from huggingface_hub import errors as hf

    what = f"{repo}/{path}" if path else repo
    try:
        yield
    except hf.GatedRepoError:
        raise HubError(f"{repo} is gated: your account has not been granted access",
                       hint=f"accept the terms on the repo page ({endpoint()}/{repo}), then retry") from None
    except hf.RevisionNotFoundError:
        raise NotFoundError(f"revision {revision!r} not found in {repo}",
                            hint="check the branch, tag or commit (--revision or the model's `revision`)") from None
    except hf.RepositoryNotFoundError:
        raise NotFoundError(f"repository {repo} not found, or private and your token cannot see it",
                            hint="check the repo id; for a private repo set HF_TOKEN or run `hf auth login`") from None
    except hf.RemoteEntryNotFoundError:
        raise NotFoundError(f"{what} not found at revision {revision!r}") from None
    except hf.OfflineModeIsEnabled:
        raise HubError("HF_HUB_OFFLINE is set: the Hub is not contacted",
                       hint="unset HF_HUB_OFFLINE, or pass --offline to use only what is on disk") from None
    except hf.HfHubHTTPError as exc:
        raise _http_error(exc, what) from None
    except transport_errors() as exc:
        raise HubUnreachable(f"cannot reach the Hub at {endpoint()} ({type(exc).__name__}) while fetching {what}",
                       hint="check the network or HF_ENDPOINT; a pull resumes where it stopped") from None


def _http_error(exc, what: str) -> HubError:  # exc: huggingface_hub.errors.HfHubHTTPError
    status = exc.response.status_code if exc.response is not None else None
    if status == 401:
        return HubError(f"the Hub refused the token for {what} (401 unauthorized)",
                        hint="set a valid HF_TOKEN or run `hf auth login`")
    if status == 403:
        return HubError(f"the Hub denied access to {what} (403 forbidden)",
                        hint="check that your token has read access to the repo")
    if status is not None and status >= 500:
        return HubError(f"the Hub failed with HTTP {status} for {what}",
                        hint="the Hub is having trouble: retry later; a pull resumes where it stopped")
    return HubError(f"the Hub answered HTTP {status} for {what}", hint="retry later")

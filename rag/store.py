"""The Chroma index: the only module that imports chromadb.

Two collections per (model, chunker) key: the chunks with their vectors, and a catalog with
one record per document (its facts, content hash, cleaned text, page offsets and the ids of
its chunks). The catalog record is the commit: a chunk is visible only while its document's
record names it, so a write killed at any point leaves the old version or the new one, and
the next ingest's sweep deletes what the killed write left behind.

Scores leave this module as similarities (higher is better), never as distances.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag.errors import IndexStoreError
from rag.faults import crash_point
from rag.records import Chunk, CleanDoc, DocRecord, Filters, SourceDoc
from rag.settings import FACTS_VERSION, Settings
from rag.vocabulary import authority_key

_BATCH = 2000
# What a chunk takes on disk, with room to spare: the national index holds 47,409 chunks in
# 776 MB (16 KB each: text, metadata with its sentences' vectors, the vector, Chroma's
# indexes); a write is refused unless twice that is free, plus a megabyte.
_DISK_PER_CHUNK = 32 * 1024
_DISK_RESERVE = 2**20
_VECTORS_KEPT = 60_000  # chunk vectors kept in memory for similarities() (~90 MB)
VERSION_ID = "__catalog_version__"  # the catalog record whose stamp changes on every write
CATALOG_TTL_S = 1.0
_OPEN_LOCK = threading.RLock()  # every client open and reopen in the process, one at a time
RETRY_HELP = (
    "is the Chroma server running, and the index folder there and writable? Then run the command "
    "again. Nothing indexed is lost by retrying"
)


# Ours, not langchain_chroma.Chroma: a catalog makes re-indexing idempotent, and scores leave as similarities.
class ChromaStore:
    """Chunks and catalog in Chroma: embedded in ``settings.index_dir`` or on a server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.collection_name()
        self._handles: _Handles | None = None  # replaced whole, never torn: readers keep their copy
        self._docs_cache: _CatalogView | None = None
        self._vectors: dict[str, Any] = {}  # chunk id -> its vector, read for similarities()

    # -- opening -------------------------------------------------------------------------
    def _open(self) -> _Handles:
        """The client and both collections, opened once; every caller works on the copy it
        got, so a reopen by another thread never pulls a collection from under it."""
        handles = self._handles
        if handles is not None:
            return handles
        with _OPEN_LOCK:
            if self._handles is None:
                self._handles = self._connect()
            return self._handles

    def _connect(self) -> _Handles:
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            url = self.settings.chroma_url
            if url:
                parsed = urlparse(url)
                client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                self.settings.index_dir.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(self.settings.index_dir), settings=chroma_settings)
            meta = {"hnsw:space": "cosine", "embed_model": self.settings.embed.model}
            chunks = client.get_or_create_collection(self.name, metadata=meta, embedding_function=None)
            catalog = client.get_or_create_collection(
                self.name + "-docs", metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except IndexStoreError:
            raise
        except Exception as exc:  # chromadb raises many types; all mean "cannot open"
            where = self.settings.chroma_url or self.settings.index_dir
            raise IndexStoreError(
                f"cannot open the Chroma index at {where}: {type(exc).__name__}: {exc}",
                help=RETRY_HELP,
            ) from None
        return _Handles(client, chunks, catalog)

    def _call(self, what: str, target: str, method: str, **kwargs: Any) -> Any:
        """Call a collection method; errors become IndexStoreError. A failed read in the
        embedded store is retried once on a fresh client: another process (an ingest
        beside the app) may have changed the files under this process's cached state."""
        handles = self._open()
        try:
            return getattr(getattr(handles, target), method)(**kwargs)
        except Exception as first:
            error: Exception = first
        where = self.settings.chroma_url or self.settings.index_dir
        if what in ("read", "query") and not self.settings.chroma_url:
            try:
                return getattr(getattr(self._reopen(handles), target), method)(**kwargs)
            except Exception as again:
                error = again
        if self.settings.chroma_url:
            self._drop(handles)  # reconnect on the next call: the server may be back
        raise IndexStoreError(
            f"Chroma {what} failed at {where}: {type(error).__name__}: {error}".strip(),
            help="check the disk / server and run the command again; nothing was half-written",
        ) from None

    def _drop(self, stale: _Handles) -> None:
        with _OPEN_LOCK:
            if self._handles is stale:
                self._handles = None

    def _reopen(self, stale: _Handles) -> _Handles:
        """Fresh handles on a fresh client, unless another thread has made them already.

        chromadb shares one "system" per index folder among every client in the process;
        a fresh view needs a new one. Only this folder's entry is dropped from that cache
        (not the whole cache, as ``clear_system_cache`` would), under the lock every open
        takes, and the old system is left running for the threads still using it."""
        with _OPEN_LOCK:
            if self._handles is not None and self._handles is not stale:
                return self._handles
            if not self.settings.chroma_url:
                _forget_system(self.settings.index_dir)
            self._handles = self._connect()
            self._docs_cache = None
            return self._handles

    # -- catalog -------------------------------------------------------------------------
    def documents(self) -> list[DocRecord]:
        """Every indexed document, oldest first. Every question needs the catalog (time
        windows), so it is re-read only when the catalog's version stamp has changed (checked
        at most once a second: another process's ingest shows up within it)."""
        return list(self._catalog_view().docs)

    def _catalog_view(self) -> _CatalogView:
        cached = self._docs_cache
        now = time.monotonic()
        if cached is not None and now - cached.checked < CATALOG_TTL_S:
            return cached
        version = self.content_version()
        cached = self._docs_cache
        if cached is not None and cached.version == version:
            view = replace(cached, checked=now)
        else:
            view = _CatalogView(now, version, *self._read_catalog())
        self._docs_cache = view
        return view

    def _read_catalog(self) -> tuple[list[DocRecord], _Live]:
        got = self._call("read", "catalog", "get", include=["metadatas"])
        metas = [m for m in got["metadatas"] or [] if m and m.get("doc_id") != VERSION_ID]
        docs = sorted((_doc_record(m) for m in metas), key=lambda d: (d.date or "9999", d.doc_id))
        return docs, _Live.of(metas)

    def catalog(self) -> tuple[str, list[DocRecord]]:
        """(version stamp, documents): the stamp names this state of the catalog, so what is
        derived from it (the library's councils) is rebuilt only when it changes."""
        view = self._catalog_view()
        return view.version, list(view.docs)

    def _read_documents(self) -> list[DocRecord]:
        return self._read_catalog()[0]

    def live(self) -> _Live:
        """Which stored chunks belong to a document's current version (the others are left
        by a write that was killed, or are about to be deleted, and are never returned)."""
        return self._catalog_view().live

    def document(self, doc_id: str) -> DocRecord | None:
        got = self._call("read", "catalog", "get", ids=[doc_id], include=["metadatas"])
        metas = got["metadatas"] or []
        return _doc_record(metas[0]) if metas else None

    def document_text(self, doc_id: str) -> str:
        """The cleaned text of a document, as chunk spans and citations index it."""
        got = self._call("read", "catalog", "get", ids=[doc_id], include=["documents"])
        docs = got["documents"] or []
        return docs[0] if docs else ""

    def content_version(self) -> str:
        """Changes whenever any document is added, replaced or removed: a stamp every write
        renews, so checking it costs one read whatever the size of the index."""
        got = self._call("read", "catalog", "get", ids=[VERSION_ID], include=["metadatas"])
        metas = got["metadatas"] or []
        if metas and metas[0] and metas[0].get("version"):
            return str(metas[0]["version"])
        docs = self._read_documents()  # an index written before stamps, or just emptied
        blob = "|".join(f"{d.doc_id}:{d.content_hash}:{d.chunks}" for d in docs)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def _stamp_record(self) -> tuple[str, dict[str, Any]]:
        return VERSION_ID, {"doc_id": VERSION_ID, "version": uuid.uuid4().hex}

    def _stamp(self) -> None:
        """Mark the catalog as changed, for this process and every other one reading it."""
        key, meta = self._stamp_record()
        self._call("write", "catalog", "upsert", ids=[key], embeddings=[[0.0, 1.0]], documents=[""], metadatas=[meta])
        self._docs_cache = None

    # -- writing -------------------------------------------------------------------------
    def replace_document(self, clean: CleanDoc, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]], pages: int, file_hash: str = "", *, uploaded: str = "", accepted: str = "") -> None:
        """Make the index hold exactly ``chunks`` for this document, atomically.

        The new chunks are written first; they are not visible until the catalog record
        naming them is (one write, with the version stamp): that write is the commit. The
        previous version's other chunks are deleted after it. A kill at any point leaves the
        old version or the new one; chunks a killed write left behind are swept later."""
        doc = clean.doc
        self._check_room(len(chunks), len(clean.text))
        ids = [c.chunk_id for c in chunks]
        written_at = int(time.time())
        for i in range(0, len(chunks), _BATCH):
            part = chunks[i : i + _BATCH]
            self._call(
                "write",
                "chunks",
                "upsert",
                ids=[c.chunk_id for c in part],
                embeddings=[list(map(float, v)) for v in vectors[i : i + _BATCH]],
                documents=[c.text for c in part],
                metadatas=[_chunk_meta(c) | {"written_at": written_at} for c in part],
            )
            crash_point("chunks-written")
        meta = {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "kind": doc.kind,
            "date": doc.date.isoformat() if doc.date else "",
            "year": doc.year or 0,
            "path": doc.path,
            "content_hash": doc.content_hash,
            "pages": pages,
            "chunks": len(chunks),
            "chunk_ids": ",".join(ids),
            "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "period": doc.period,
            "authority": doc.authority,
            "authority_key": authority_key(doc.authority),
            "framework": doc.framework,
            "facts": doc.facts.to_json(),
            "facts_version": FACTS_VERSION,
            "source_note": doc.source_note,
            "provenance": json.dumps(doc.provenance, sort_keys=True),
            "page_starts": json.dumps(list(clean.page_starts)),
            "file_hash": file_hash,
            "uploaded": uploaded,
            "accepted": accepted,
        }
        stamp_id, stamp = self._stamp_record()
        self._call(
            "write", "catalog", "upsert",
            ids=[doc.doc_id, stamp_id], embeddings=[[0.0, 1.0], [0.0, 1.0]],
            documents=[clean.text, ""], metadatas=[meta, stamp],
        )
        self._docs_cache = None
        crash_point("catalog-written")
        keep = set(ids)
        stale = [i for i in self._chunk_ids(doc.doc_id) if i not in keep]
        if stale:
            self._call("delete", "chunks", "delete", ids=stale)

    def _check_room(self, chunks: int, chars: int) -> None:
        """Refuse a write the disk has no room for, before anything is written: Chroma's
        embedded store can stall, not fail, when the disk fills under a write (seen on a
        4 MB tmpfs, tests/test_disk.py). A Chroma server keeps its own disk."""
        if self.settings.chroma_url:
            return
        folder = next((p for p in (self.settings.index_dir, *self.settings.index_dir.parents) if p.exists()), Path("."))
        free = shutil.disk_usage(folder).free
        need = chunks * _DISK_PER_CHUNK + 2 * chars + _DISK_RESERVE
        if free < need:
            raise IndexStoreError(
                f"no space left on the disk of the index at {self.settings.index_dir}: {free / 2**20:.1f} MB free, "
                f"this document needs about {need / 2**20:.1f} MB",
                help="free some disk space or move the index (RAG_INDEX_DIR); nothing was written",
            )

    def update_facts(self, doc: SourceDoc) -> None:
        """Store facts read again from a document's unchanged text (its title, date, kind and
        authority as before, so its chunks stand): one catalog write, with the version stamp."""
        self._update_record(doc.doc_id, {
            "facts": doc.facts.to_json(), "facts_version": FACTS_VERSION, "framework": doc.framework,
            "provenance": json.dumps(doc.provenance, sort_keys=True), "period": doc.period,
        })

    def set_accepted(self, doc_id: str, accepted: str) -> None:
        """Record that an administrator accepted an uploaded document for answers."""
        self._update_record(doc_id, {"accepted": accepted})

    def _update_record(self, doc_id: str, fields: dict[str, Any]) -> None:
        """Change some fields of a document's catalog record, then the version stamp."""
        got = self._call("read", "catalog", "get", ids=[doc_id], include=["metadatas"])
        if not got["metadatas"]:
            raise IndexStoreError(f"'{doc_id}' is not in the index", help="`rag docs` lists the documents")
        self._call("write", "catalog", "update", ids=[doc_id], metadatas=[got["metadatas"][0] | fields])
        self._docs_cache = None
        self._stamp()

    def delete_document(self, doc_id: str) -> int:
        """Remove a document: its catalog record first (the commit), then its chunks."""
        ids = self._chunk_ids(doc_id)
        self._call("delete", "catalog", "delete", ids=[doc_id])
        crash_point("catalog-deleted")
        self._stamp()
        if ids:
            self._call("delete", "chunks", "delete", ids=ids)
        return len(ids)

    def sweep(self, older_than_s: float) -> int:
        """Delete stored chunks that no catalog record names (a write killed before its
        commit, or after it but before the old version's chunks were deleted), once they are
        ``older_than_s`` old: a younger one may belong to an ingest still running in another
        process. Returns how many were deleted. Catalog records written before chunk lists
        were kept get theirs first, from the chunks stored under their id."""
        catalog = self._call("read", "catalog", "get", include=["metadatas"])
        for key, meta in zip(catalog["ids"], catalog["metadatas"] or []):
            if meta and key != VERSION_ID and "chunk_ids" not in meta:
                owned = self._chunk_ids(key)
                self._call("write", "catalog", "update", ids=[key], metadatas=[meta | {"chunk_ids": ",".join(owned)}])
        self._docs_cache = None
        live = self.live()
        if self.count() == len(live.ids):
            return 0
        orphans = [cid for cid in self.stored_chunk_ids() if cid not in live.ids]
        now = time.time()
        old: list[str] = []
        for i in range(0, len(orphans), _BATCH):
            got = self._call("read", "chunks", "get", ids=orphans[i : i + _BATCH], include=["metadatas"])
            old += [cid for cid, m in zip(got["ids"], got["metadatas"]) if now - float((m or {}).get("written_at", 0)) >= older_than_s]
        for i in range(0, len(old), _BATCH):
            self._call("delete", "chunks", "delete", ids=old[i : i + _BATCH])
        if old:
            self._stamp()  # processes holding an older catalog view re-read it
        return len(old)

    def reset(self) -> None:
        """Drop this key's collections (``rag ingest --rebuild``)."""
        handles = self._open()
        for name in (self.name, self.name + "-docs"):
            try:
                handles.client.delete_collection(name)
            except Exception:
                pass
        self._drop(handles)
        self._docs_cache = None

    def _chunk_ids(self, doc_id: str) -> list[str]:
        got = self._call("read", "chunks", "get", where={"doc_id": doc_id}, include=[])
        return list(got["ids"])

    # -- reading -------------------------------------------------------------------------
    def count(self) -> int:
        """Chunks stored, visible or not."""
        return int(self._call("read", "chunks", "count"))

    def stored_chunk_ids(self, page: int = 20_000) -> list[str]:
        """Every stored chunk id, visible or not (the sweep, and tests, compare them)."""
        ids: list[str] = []
        while True:
            got = self._call("read", "chunks", "get", include=[], limit=page, offset=len(ids))
            if not got["ids"]:
                return ids
            ids += got["ids"]

    def query(self, vector: Sequence[float], n: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks with their cosine similarity, best first."""
        where = filters.where() if filters else None
        query: dict[str, Any] = dict(query_embeddings=[list(map(float, vector))], n_results=max(1, n), include=["documents", "metadatas", "distances"])
        ids = self._admitted_chunk_ids(filters) if where else None
        if ids is not None:
            # The filters name documents, and the catalog lists their chunks: search those
            # ids. Chroma's metadata filter reads every chunk's row (150-450 ms at 47,000
            # chunks); a search within ids takes about 10 ms.
            if not ids:
                return []
            query.update(ids=ids, n_results=min(max(1, n), len(ids)))
        elif where:
            query["where"] = where
        got = self._call("query", "chunks", "query", **query)
        if any(m is None for m in got["metadatas"][0]) and not self.settings.chroma_url:
            # The vector index named a chunk whose record is gone: another process changed
            # the index under this one's cached state. Look again on a fresh client.
            self._reopen(self._open())
            got = self._call("query", "chunks", "query", **query)
        live = self.live()
        return [
            (_chunk_from(cid, text, meta), 1.0 - float(dist))
            for cid, text, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
            if meta is not None and text is not None and live.admits(cid, meta.get("doc_id"))
        ]

    def _admitted_chunk_ids(self, filters: Filters) -> list[str] | None:
        """The current chunk ids of the documents ``filters`` admit, from the catalog; None
        when a document has no chunk list (written before lists were kept)."""
        view = self._catalog_view()
        return view.live.chunk_ids([d.doc_id for d in view.docs if filters.admits(d)])

    def similarities(self, vector: Sequence[float], filters: Filters, most: int) -> dict[str, float] | None:
        """Cosine similarity of every chunk of the documents ``filters`` admit, ids only;
        None when they hold more than ``most`` chunks or a document has no chunk list (the
        caller then asks Chroma for the nearest few instead). The vectors are read once and
        kept (a chunk id is a hash of its content, so its vector never changes): Chroma's own
        search within ids reads every row's metadata, two to ten times slower."""
        import numpy as np

        ids = self._admitted_chunk_ids(filters)
        if ids is None or len(ids) > most:
            return None
        missing = [cid for cid in ids if cid not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > _VECTORS_KEPT:
                self._vectors = {}
            for i in range(0, len(missing), _BATCH):
                got = self._call("read", "chunks", "get", ids=missing[i : i + _BATCH], include=["embeddings"])
                for cid, v in zip(got["ids"], got["embeddings"]):
                    self._vectors[cid] = np.asarray(v, dtype=np.float32)
        live = self.live()
        kept = [cid for cid in ids if cid in self._vectors and live.admits(cid)]
        if not kept:
            return {}
        sims = np.stack([self._vectors[cid] for cid in kept]) @ np.asarray(vector, dtype=np.float32)
        return dict(zip(kept, map(float, sims)))

    def nearest_ids(self, vector: Sequence[float], n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest chunks, unfiltered, ids only (cheap)."""
        got = self._call("query", "chunks", "query", query_embeddings=[list(map(float, vector))], n_results=max(1, n), include=["distances"])
        live = self.live()
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0]) if live.admits(cid)]

    def chunks(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []
        got = self._call("read", "chunks", "get", ids=list(ids), include=["documents", "metadatas"])
        live = self.live()
        by_id = {
            cid: _chunk_from(cid, t, m)
            for cid, t, m in zip(got["ids"], got["documents"], got["metadatas"])
            if m is not None and t is not None and live.admits(cid, m.get("doc_id"))
        }
        return [by_id[i] for i in ids if i in by_id]

    def chunks_at(self, places: Sequence[tuple[str, int]]) -> list[Chunk]:
        """The chunks holding each (document id, character offset), in that order: the
        listed documents' chunk spans in one read (metadata only), then the chunks found."""
        live = self.live()
        listed = {d for d, _ in places if live.chunk_ids([d]) is not None}
        spans: dict[str, list[tuple[str, int, int]]] = {}
        if listed:
            ids = live.chunk_ids(sorted(listed)) or []
            got = self._call("read", "chunks", "get", ids=ids, include=["metadatas"]) if ids else {"ids": [], "metadatas": []}
            for cid, m in zip(got["ids"], got["metadatas"]):
                if m is not None and live.admits(cid, m.get("doc_id")):
                    spans.setdefault(m.get("doc_id"), []).append((cid, int(m.get("start", 0)), int(m.get("end", 0))))
        found: list[Chunk | str] = []
        for doc_id, offset in places:
            if doc_id in listed:
                # a write killed mid-way may have left another version's chunk here: the first
                found.extend([cid for cid, start, end in spans.get(doc_id, ()) if start <= offset < end][:1])
            else:  # a document written before chunk lists were kept: a metadata filter
                where = {"$and": [{"doc_id": doc_id}, {"start": {"$lte": offset}}, {"end": {"$gt": offset}}]}
                found.extend(self._admitted(self._call("read", "chunks", "get", where=where, include=["documents", "metadatas"]), live, doc_id)[:1])
        read = {c.chunk_id: c for c in self.chunks(list(dict.fromkeys(f for f in found if isinstance(f, str))))}
        return [f if isinstance(f, Chunk) else read[f] for f in found if isinstance(f, Chunk) or f in read]

    @staticmethod
    def _admitted(got: dict[str, Any], live: _Live, doc_id: str) -> list[Chunk]:
        return [_chunk_from(cid, t, m) for cid, t, m in zip(got["ids"], got["documents"], got["metadatas"])
                if m is not None and t is not None and live.admits(cid, doc_id) and m.get("doc_id") == doc_id]

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors by chunk id."""
        return {c.chunk_id: v for c, v in self.chunks_with_vectors(ids)}

    def chunks_with_vectors(self, ids: Sequence[str]) -> list[tuple[Chunk, list[float]]]:
        """Chunks and their stored vectors, in one read, in the order of ``ids``."""
        if not ids:
            return []
        got = self._call("read", "chunks", "get", ids=list(ids), include=["documents", "metadatas", "embeddings"])
        live = self.live()
        by_id = {
            cid: (_chunk_from(cid, t, m), list(map(float, v)))
            for cid, t, m, v in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])
            if m is not None and t is not None and live.admits(cid, m.get("doc_id"))
        }
        return [by_id[i] for i in ids if i in by_id]

    def iter_chunks(self, page: int = 5000) -> Iterator[Chunk]:
        """Every visible chunk, in pages (BM25 is built from this)."""
        live = self.live()
        offset = 0
        while True:
            got = self._call("read", "chunks", "get", include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            for cid, t, m in zip(got["ids"], got["documents"], got["metadatas"]):
                if m is not None and live.admits(cid, m.get("doc_id")):
                    yield _chunk_from(cid, t, m)
            offset += len(got["ids"])

    def page_starts(self, doc_id: str) -> list[tuple[int, int | None]]:
        got = self._call("read", "catalog", "get", ids=[doc_id], include=["metadatas"])
        metas = got["metadatas"] or []
        return [tuple(x) for x in json.loads(metas[0].get("page_starts", "[]"))] if metas else []


@dataclass(frozen=True)
class _Handles:
    client: Any
    chunks: Any
    catalog: Any


@dataclass(frozen=True)
class _Live:
    """The chunks of every document's current version, as its catalog record names them.
    Records written before chunk lists were kept (``legacy``) own whatever is stored under
    their id until the next ingest's sweep gives them a list."""

    ids: frozenset[str]
    legacy: frozenset[str]
    by_doc: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each listed document's chunk ids

    @classmethod
    def of(cls, metas: Sequence[dict[str, Any]]) -> _Live:
        by_doc: dict[str, tuple[str, ...]] = {}
        legacy: set[str] = set()
        for m in metas:
            if "chunk_ids" in m:
                by_doc[str(m["doc_id"])] = tuple(x for x in str(m["chunk_ids"]).split(",") if x)
            else:
                legacy.add(str(m["doc_id"]))
        return cls(frozenset(i for ids in by_doc.values() for i in ids), frozenset(legacy), by_doc)

    def chunk_ids(self, doc_ids: Sequence[str]) -> list[str] | None:
        """The current chunks of these documents, or None when one of them has no list."""
        if any(d not in self.by_doc for d in doc_ids):
            return None
        return [i for d in doc_ids for i in self.by_doc[d]]

    def admits(self, chunk_id: str, doc_id: str | None = None) -> bool:
        if chunk_id in self.ids:
            return True
        return doc_id in self.legacy if doc_id is not None else bool(self.legacy)


@dataclass(frozen=True)
class _CatalogView:
    checked: float  # time.monotonic() of the last version check
    version: str
    docs: list[DocRecord]
    live: _Live


def _forget_system(index_dir: Path) -> None:
    """Drop chromadb's shared system for this folder only (callers hold _OPEN_LOCK)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    target = os.path.realpath(index_dir)
    with SharedSystemClient._refcount_lock:
        for key in [k for k in SharedSystemClient._identifier_to_system if os.path.realpath(k) == target]:
            SharedSystemClient._identifier_to_system.pop(key, None)
            SharedSystemClient._identifier_to_refcount.pop(key, None)


def _chunk_meta(c: Chunk) -> dict[str, Any]:
    return {
        "doc_id": c.doc_id,
        "title": c.title,
        "kind": c.kind,
        "authority": c.authority,
        "date": c.date,
        "year": c.year,
        "start": c.start,
        "end": c.end,
        "header": c.header,
        "section": c.section,
        "page": -1 if c.page is None else c.page,
        "page_end": -1 if c.page_end is None else c.page_end,
        "paragraphs": ",".join(map(str, c.paragraphs)),
        "sentences": ",".join(f"{a}:{b}" for a, b in c.sentences),
        "sentence_roles": ",".join(c.sentence_roles),
        "sentence_templates": ",".join(c.sentence_templates),
        "sentence_vectors": base64.b64encode(c.sentence_vectors).decode("ascii"),
    }


def _chunk_from(cid: str, text: str, m: dict[str, Any]) -> Chunk:
    paras = tuple(int(p) for p in str(m.get("paragraphs", "")).split(",") if p)
    return Chunk(
        chunk_id=cid,
        doc_id=m["doc_id"],
        title=m["title"],
        kind=m["kind"],
        authority=m.get("authority", ""),
        date=m["date"],
        year=int(m["year"]),
        text=text,
        start=int(m["start"]),
        end=int(m["end"]),
        header=m["header"],
        section=m.get("section", ""),
        page=None if int(m.get("page", -1)) < 0 else int(m["page"]),
        page_end=None if int(m.get("page_end", -1)) < 0 else int(m["page_end"]),
        paragraphs=paras,
        sentences=tuple(
            (int(a), int(b)) for a, b in (x.split(":") for x in str(m.get("sentences", "")).split(",") if x)
        ),
        sentence_vectors=base64.b64decode(m.get("sentence_vectors", "") or b""),
        sentence_roles=tuple(str(m.get("sentence_roles", "")).split(",")) if m.get("sentence_templates") else (),
        sentence_templates=tuple(x for x in str(m.get("sentence_templates", "")).split(",") if x),
    )


def _doc_record(m: dict[str, Any]) -> DocRecord:
    return DocRecord(
        doc_id=m["doc_id"],
        title=m["title"],
        kind=m["kind"],
        date=m["date"],
        path=m["path"],
        content_hash=m["content_hash"],
        pages=int(m["pages"]),
        chunks=int(m["chunks"]),
        indexed_at=m["indexed_at"],
        period=m.get("period", ""),
        authority=m.get("authority", ""),
        source_note=m.get("source_note", ""),
        provenance=m.get("provenance", "{}"),
        file_hash=m.get("file_hash", ""),
        framework=m.get("framework", ""),
        facts=m.get("facts", ""),
        uploaded=m.get("uploaded", ""),
        accepted=m.get("accepted", ""),
        facts_version=m.get("facts_version", ""),
    )

"""Corpus-level theme steps: ``extract_themes`` and ``theme_prevalence``."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.embeddings import corpus_model
from cxinsight.errors import CxInsightWarning, MissingStepError
from cxinsight.themes import _cluster
from cxinsight.themes._codebook import CodebookLike
from cxinsight.themes._model import ThemeModel, themable_mask


def extract_themes(
    corpus: Corpus,
    model: ThemeModel | None = None,
    codebook: CodebookLike | None = None,
    *,
    min_words: int = 3,
    seed: int | None = None,
) -> Corpus:
    """Find themes in participant speech and add them to the segments.

    Interviewer segments, back-channels ("yeah", "mm-hmm"), segments shorter than
    ``min_words`` words and filler or small talk ("Um, okay", "Yeah, that's a good question")
    are not themed (their ``theme`` is ``<NA>``); how many were left out for each reason is
    recorded in ``meta["themes"]["excluded"]``, and filler is named in one warning line.
    Codebook phrases and label checks are embedded with the corpus's own embedding model.

    Parameters
    ----------
    corpus : Corpus
        Segmented and embedded (``cx.segment`` then ``cx.embed``). The cached embeddings are
        used; nothing is re-embedded.
    model : ThemeModel, optional
        An unfitted model (its parameters are used; the model itself is not changed) or a fitted
        one: when it was fitted on these very segments (same ``segment_id`` list), its
        assignments (including researcher edits) are used as they are; otherwise segments are
        assigned to its themes with :meth:`ThemeModel.transform`. Default ``ThemeModel()``.
    codebook : dict, DataFrame or path, optional
        Researcher themes to guide an unfitted model (see :class:`ThemeModel`).
    min_words : int, default 3
    seed : int, optional
        Seed for an unfitted model (its ``random_state``); ``None`` keeps the model's own
        (42 by default). The same seed gives the same themes; another seed may give others.

    Returns
    -------
    Corpus
        With ``segments["theme"]`` (Int64: id, ``-1`` outlier, ``<NA>`` not themed),
        ``segments["theme_label"]`` (string), ``tables["themes"]`` (``model.themes_``, with
        prevalence counted by participants) and ``meta["themes"]``.
    """
    segments = corpus.require("segments", ["text", "interview_id"], "cx.segment(corpus)")
    if corpus.embeddings is None:
        raise MissingStepError(
            "Themes need sentence embeddings: run `corpus = cx.embed(corpus)` before "
            "`cx.extract_themes(corpus)`."
        )
    if model is not None and not isinstance(model, ThemeModel):
        raise TypeError(f"model must be a cx.ThemeModel, got {type(model).__name__}.")
    mask, excluded = themable_mask(segments, min_words)
    # only the columns used here (the whole table's copy stayed alive through UMAP)
    rows = segments.loc[mask, [c for c in ("text", "interview_id", "segment_id", "turn") if c in segments]]
    texts = rows["text"].astype(str).tolist()
    groups = rows["interview_id"].astype(str).tolist()
    ids = (rows["segment_id"].astype(str).tolist() if "segment_id" in rows
           else [str(i) for i in rows.index])
    # the themed rows, copied by the model once UMAP has run (see _cluster.RowsOf)
    emb = _cluster.RowsOf(corpus.embeddings, np.flatnonzero(mask))
    fitted = model is not None and hasattr(model, "labels_")
    if fitted and getattr(model, "segment_ids_", None) == ids:
        used, labels, how = model, model.labels_.copy(), "fitted model (same segments)"
    elif fitted:
        used, labels, how = model, model.transform(texts, embeddings=np.asarray(emb)), "fitted model (transform)"
    else:
        used = copy.deepcopy(model) if model is not None else ThemeModel()
        if codebook is not None:
            used.set_params(codebook=codebook)
        if seed is not None:
            used.set_params(random_state=seed)
        if used.embedding_model is None:
            used.set_params(embedding_model=corpus_model(corpus))
        contexts = ((rows["interview_id"].astype(str) + "\x1f" + rows["turn"].astype(str)).tolist()
                    if "turn" in rows else None)
        used.fit(texts, embeddings=emb, groups=groups, contexts=contexts)
        used.segment_ids_ = ids
        labels, how = used.labels_.copy(), "fit"
    table = used.themes_.copy()
    label_of = dict(zip(table["theme"].tolist(), table["label"].tolist()))
    label_of[-1] = "outlier"

    theme = pd.Series(pd.NA, index=segments.index, dtype="Int64")
    theme[mask] = labels
    theme_label = pd.Series(pd.NA, index=segments.index, dtype="string")
    theme_label[mask] = [label_of.get(int(t), "outlier") for t in labels]
    new_segments = segments.copy()
    new_segments["theme"] = theme
    new_segments["theme_label"] = theme_label

    table = _participant_prevalence(table, new_segments, corpus.participants)
    tables = dict(corpus.tables)
    tables["themes"] = table
    meta = copy.deepcopy(corpus.meta)
    meta["themes"] = {
        "n_themes": int(len(table)),
        "themed_segments": int(mask.sum()),
        "outliers": int((labels == -1).sum()),
        "excluded": excluded,
        "filler": int(excluded.get("filler", 0)),
        "min_words": int(min_words),
        "how": how,
        "n_estimated": getattr(used, "n_estimated_", None),
        "codebook_themes": int((table["source"] == "codebook").sum()) if "source" in table else 0,
    }
    params: dict[str, Any] = {
        k: v for k, v in used.get_params().items()
        if isinstance(v, (int, float, str, bool, type(None)))
    }
    params["min_words"] = min_words
    params["seed"] = seed
    if excluded.get("filler"):
        warnings.warn(
            f"Themes: {excluded['filler']} segment(s) were filler or small talk (\"Um, okay\", "
            "\"that's a good question\") and were not themed; their count is in "
            "corpus.meta['themes']['excluded'].", CxInsightWarning, stacklevel=2)
    params["codebook"] = None if getattr(used, "codebook_", None) is None else list(used.codebook_)
    return corpus.with_step("extract_themes", params, segments=new_segments, tables=tables, meta=meta)


def _participant_prevalence(table: pd.DataFrame, segments: pd.DataFrame,
                            participants: pd.DataFrame) -> pd.DataFrame:
    """Recount ``n_participants`` and ``prevalence`` over all interviews of the corpus."""
    themed = segments[segments["theme"].notna() & (segments["theme"] >= 0)]
    per = themed.groupby("theme")["interview_id"].nunique()
    total = max(int(participants["interview_id"].nunique()), 1)
    out = table.copy()
    out["n_participants"] = [int(per.get(t, 0)) for t in out["theme"]]
    out["prevalence"] = out["n_participants"] / total
    return out


def theme_prevalence(corpus: Corpus, by: str | None = None) -> pd.DataFrame:
    """Count the participants who mention each theme, overall or per group.

    A participant "mentions" a theme when at least one of their segments has it; prevalence is
    counted in participants, never in sentences, so a talkative participant counts once.

    Parameters
    ----------
    corpus : Corpus
        After :func:`extract_themes`.
    by : str, optional
        ``None``: one row per theme over the whole study. ``"interview_id"``: one row per
        interview and theme (``n_segments``, ``share_of_segments``, ``mentioned``).
        ``"participant"``: one row per participant (``interview_id``, ``speaker``) and theme.
        Any other column of ``corpus.participants`` (e.g. ``"segment"``, ``"nps_group"``): one
        row per group value and theme with ``n_participants`` mentioning it, ``group_size`` and
        ``share``.

    Returns
    -------
    DataFrame
    """
    segments = corpus.require("segments", ["theme", "theme_label", "interview_id"],
                              "cx.extract_themes(corpus)")
    themed = segments[segments["theme"].notna() & (segments["theme"] >= 0)].copy()
    themed["theme"] = themed["theme"].astype(int)
    labels = (themed.drop_duplicates("theme").set_index("theme")["theme_label"].astype(str)
              if len(themed) else pd.Series(dtype=str))
    participants = corpus.participants
    n_total = max(int(participants["interview_id"].nunique()), 1)
    theme_ids = sorted(labels.index.tolist())

    if by is None:
        n_seg = themed.groupby("theme").size()
        n_part = themed.groupby("theme")["interview_id"].nunique()
        out = pd.DataFrame({
            "theme": theme_ids,
            "theme_label": [labels[t] for t in theme_ids],
            "n_participants": [int(n_part.get(t, 0)) for t in theme_ids],
            "n_participants_total": n_total,
            "n_segments": [int(n_seg.get(t, 0)) for t in theme_ids],
        })
        out["share"] = out["n_participants"] / n_total
        return out.sort_values(["n_participants", "theme"], ascending=[False, True],
                               ignore_index=True)

    if by in ("interview_id", "participant"):
        keys = ["interview_id"] if by == "interview_id" else ["interview_id", "speaker"]
        if by == "participant" and "speaker" not in segments:
            keys = ["interview_id"]
        base = segments[segments["theme"].notna()]
        totals = base.groupby(keys).size().rename("themed_segments")
        counts = themed.groupby(keys + ["theme"]).size().rename("n_segments")
        units = totals.reset_index()[keys]
        grid = units.merge(pd.DataFrame({"theme": theme_ids}), how="cross")
        out = grid.merge(counts.reset_index(), on=keys + ["theme"], how="left")
        out["n_segments"] = out["n_segments"].fillna(0).astype(int)
        out = out.merge(totals.reset_index(), on=keys, how="left")
        out["share_of_segments"] = out["n_segments"] / out["themed_segments"].clip(lower=1)
        out["mentioned"] = out["n_segments"] > 0
        out.insert(len(keys) + 1, "theme_label", [labels[t] for t in out["theme"]])
        return out.sort_values(keys + ["theme"], ignore_index=True)

    if by not in participants.columns:
        raise KeyError(
            f"Cannot count theme prevalence by {by!r}: it is neither 'interview_id', "
            f"'participant' nor a participants column ({list(participants.columns)}). Add it "
            "through the manifest when reading: cx.read(folder, manifest='manifest.csv')."
        )
    groups = participants[["interview_id", by]].drop_duplicates("interview_id")
    groups = groups.assign(**{by: groups[by].astype("object").where(groups[by].notna(), "(missing)")})
    sizes = groups.groupby(by).size().rename("group_size")
    mentions = themed[["interview_id", "theme"]].drop_duplicates().merge(groups, on="interview_id")
    counts = mentions.groupby([by, "theme"]).size().rename("n_participants")
    grid = pd.DataFrame({by: sizes.index}).merge(pd.DataFrame({"theme": theme_ids}), how="cross")
    out = grid.merge(counts.reset_index(), on=[by, "theme"], how="left")
    out["n_participants"] = out["n_participants"].fillna(0).astype(int)
    out = out.merge(sizes.reset_index(), on=by)
    out["share"] = out["n_participants"] / out["group_size"].clip(lower=1)
    out.insert(2, "theme_label", [labels[t] for t in out["theme"]])
    return out.sort_values([by, "theme"], ignore_index=True)

"""Norms: each study against every earlier study in the store. Four small studies are built,
one after another, from the demo's real analysed viewers (``synthetic_panel``), smiling at
different moments and in different numbers; the demo itself (two viewers) is no study."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.bench.panel import faces_from, synthetic_panel
from shortory_core.panel.grids import load_grids
from shortory_core.panel.norms import (
    BANDS,
    MIN_STUDIES,
    describe,
    norm_table,
    study_norm,
)
from shortory_core.panel.stats import PanelOptions, curves
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds

ROOT = Path(__file__).resolve().parents[1]
# (viewers, strays, smile times): studies that smile more or less, and at other moments.
STUDIES = ((6, 1, [10.0, 25.0]), (8, 4, [15.0]), (7, 0, [5.0, 20.0, 30.0]), (9, 2, [12.0]))


@pytest.fixture(scope="module")
def studies_home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[Path, list[int]]:
    home = tmp_path_factory.mktemp("norms") / "home"
    shutil.copytree(demo_home, home)
    store = Store(home)
    faces = faces_from(store, store.demo_project_id())
    made = []
    for seed, (viewers, strays, smiles) in enumerate(STUDIES):
        staging = home / "staging" / f"study-{seed}"
        staging.mkdir(parents=True)
        made.append(synthetic_panel(store, faces, viewers=viewers, duration=40.0,
                                    agree_at=smiles, stray_at=[35.0], strays=strays,
                                    seed=seed, folder=staging))
    return home, made


@pytest.fixture
def studies(studies_home: tuple[Path, list[int]], tmp_path: Path) -> tuple[Store, list[int]]:
    """A private copy of the four studies, which a test may change."""
    home, made = studies_home
    shutil.copytree(home, tmp_path / "home")
    return Store(tmp_path / "home"), made


def direct_shares(store: Store, projects: list[int], options: PanelOptions
                  ) -> dict[str, list[np.ndarray]]:
    """Each study's shares in its moments with enough viewers, computed from its samples."""
    found: dict[str, list[np.ndarray]] = {}
    for project in projects:
        grids = load_grids(store, project)
        panel = curves(grids.subset(grids.included), options)
        enough = panel.n >= options.min_viewers
        for name, share in panel.share.items():
            found.setdefault(name, []).append(share[enough])
    return found


@pytest.mark.parametrize("options", [PanelOptions(), PanelOptions(normalise=False,
                                                                   raw_threshold=0.3)])
def test_the_bands_are_percentiles_of_every_earlier_moment(
        studies: tuple[Store, list[int]], options: PanelOptions) -> None:
    store, (a, b, c, d) = studies
    norm = study_norm(store, d, options)
    assert norm.ready and norm.studies == (a, b, c)  # the demo's two viewers make no study
    assert norm.viewers == 6 + 8 + 7
    direct = direct_shares(store, [a, b, c], options)
    assert set(norm.shares) == set(direct) and "happy" in direct
    for name, parts in direct.items():
        pooled = np.concatenate(parts)
        assert norm.shares[name].total == len(pooled) == norm.moments
        assert norm.bands(name) == pytest.approx(
            dict(zip(BANDS, np.percentile(pooled, BANDS), strict=True)), abs=1e-12)
        assert list(norm.peaks[name]) == sorted(float(p.max()) for p in parts)
        assert norm.shares[name].below(0.5) == pytest.approx(float((pooled < 0.5).mean()))
    happy = np.concatenate(direct["happy"])
    assert norm.bands("happy")[90] > 0 and norm.bands("happy")[10] < norm.bands("happy")[90]
    assert happy.max() > 0.5  # most viewers smiled together somewhere: a real spread


def test_fewer_than_three_earlier_studies_make_no_norm(
        studies: tuple[Store, list[int]]) -> None:
    store, (a, b, c, _) = studies
    norm = study_norm(store, c)
    assert norm.studies == (a, b) and not norm.ready and MIN_STUDIES == 3
    grids = load_grids(store, c)
    assert describe(norm, curves(grids.subset(grids.included)), "happy", 5) is None
    assert study_norm(store, a).studies == ()  # only the demo before it


def test_the_sentence_places_the_best_moment_among_earlier_ones(
        studies: tuple[Store, list[int]]) -> None:
    store, (a, b, c, d) = studies
    norm = study_norm(store, d)
    grids = load_grids(store, d)
    panel = curves(grids.subset(grids.included))
    best = int(np.nanargmax(np.where(panel.n >= 5, panel.share["happy"], np.nan)))
    share = panel.share["happy"][best]
    pooled = np.concatenate(direct_shares(store, [a, b, c], PanelOptions())["happy"])
    peaks_below = int((norm.peaks["happy"] < share).sum())
    level = f"{(pooled == share).mean():.0%}"
    assert describe(norm, panel, "happy", 5) == (
        f"At {format_seconds(float(panel.t[best]))}, {share:.0%} of viewers smiled: above "
        f"{(pooled < share).mean():.0%} of moments in our 3 earlier studies"
        f"{f' (level with {level})' if level != '0%' else ''}, and above the "
        f"peak of {peaks_below} of them.")
    table = norm_table(norm, panel, 5).set_index("signal")
    assert list(table.index) == list(panel.share)
    happy = table.loc["happy"]
    assert happy["best_share"] == share and happy["above_peaks"] == peaks_below
    assert happy["above_moments"] == pytest.approx((pooled < share).mean())
    assert happy["level_moments"] == pytest.approx((pooled == share).mean())
    assert [happy[f"p{q}"] for q in (10, 25, 75, 90)] == [
        norm.bands("happy")[q] for q in (10, 25, 75, 90)]
    assert happy["median"] == pytest.approx(np.median(pooled))


def test_a_best_moment_level_with_many_earlier_ones_says_so(
        studies: tuple[Store, list[int]]) -> None:
    """Shares of a few viewers tie often: a best moment that many earlier moments equal is
    "above" few of them, and the sentence and the table say how many it is level with."""
    store, (a, b, c, d) = studies
    norm = study_norm(store, d)
    grids = load_grids(store, d)
    panel = curves(grids.subset(grids.included))
    pooled = direct_shares(store, [a, b, c], PanelOptions())
    levels = {}
    for signal, shares in pooled.items():
        best = int(np.nanargmax(np.where(panel.n >= 5, panel.share[signal], np.nan)))
        levels[signal] = (np.concatenate(shares) == panel.share[signal][best]).mean()
    signal = max(levels, key=levels.get)
    level = levels[signal]
    assert level >= 0.05  # the studies have such a moment
    assert f"(level with {level:.0%}), and above the peak" in describe(norm, panel, signal, 5)
    table = norm_table(norm, panel, 5).set_index("signal")
    assert table.loc[signal, "level_moments"] == pytest.approx(level)


def test_only_a_changed_study_is_summarised_again(studies: tuple[Store, list[int]]) -> None:
    store, (a, b, c, d) = studies
    demo = store.demo_project_id()
    first = study_norm(store, d)
    assert first.refreshed == (demo, a, b, c)
    again = study_norm(store, d)
    assert again.refreshed == () and again.bands("happy") == first.bands("happy")
    # Two of b's smiling viewers leave it (excluded by hand): b alone is summarised again.
    smilers = [s.id for s in store.sessions(b)][4:]
    for session in smilers[:2]:
        store.update_session(session, panel="exclude")
    changed = study_norm(store, d)
    assert changed.refreshed == (b,) and changed.viewers == first.viewers - 2
    direct = np.concatenate(direct_shares(store, [a, b, c], PanelOptions())["happy"])
    assert changed.bands("happy") == pytest.approx(
        dict(zip(BANDS, np.percentile(direct, BANDS), strict=True)), abs=1e-12)
    assert changed.shares["happy"].counts.tolist() != first.shares["happy"].counts.tolist()
    # Two more, and b has four viewers: no panel, out of the norm.
    for session in smilers[2:]:
        store.update_session(session, panel="exclude")
    assert study_norm(store, d).studies == (a, c)
    # New samples count as a change too; other options are cached apart.
    store.add_samples(store.sessions(c)[0].id, [
        {"seq": 10_000, "video_time": 39.9, "source_time": 39.9, "paused": 0,
         "face_found": 1, "n_faces": 1, "happy": 0.9, "sad": 0.0, "angry": 0.0,
         "neutral": 0.1, "surprise": 0.0, "attention": 1.0}])
    assert study_norm(store, d).refreshed == (c,)
    # A Parquet part written again by its key (a retry) has the same count, but it is new.
    session = store.sessions(a)[0].id
    [path] = store.sample_part_paths([session])
    part = store.samples(session)
    store.write_samples(session, path.stem, part)
    assert study_norm(store, d).refreshed == (a,)
    store.write_samples(session, path.stem, part)
    assert study_norm(store, d).refreshed == (a,)
    assert study_norm(store, d, PanelOptions(threshold=1.0)).refreshed == (demo, a, b, c)
    assert study_norm(store, d).refreshed == ()


def test_a_deleted_study_drops_out_of_the_norm(studies: tuple[Store, list[int]]) -> None:
    store, (a, b, c, d) = studies
    assert study_norm(store, d).studies == (a, b, c)
    store.delete_project(b)
    norm = study_norm(store, d)
    assert norm.studies == (a, c) and not norm.ready and norm.refreshed == ()
    with store.reading() as conn:
        kept = {r[0] for r in conn.execute("SELECT project_id FROM norm_summaries")}
    assert b not in kept and {a, c} <= kept


def test_the_panel_page_states_the_norm(studies: tuple[Store, list[int]],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store, (*_, c, d) = studies
    monkeypatch.setenv("SHORTORY_HOME", str(store.root))
    monkeypatch.chdir(ROOT)
    app = panel_page(d)
    said = [m.value for m in app.markdown]
    assert any("of viewers smiled: above" in s and "our 3 earlier studies" in s for s in said)
    assert any("rests on 3 earlier studies with 21 viewers" in n.value for n in app.caption)
    assert len(app.get("plotly_chart")) == 4  # panel, norm, heatmap, groups
    bands = next(d.value for d in app.dataframe if "above_peaks" in d.value.columns)
    assert len(bands) == 6 and set(bands["signal"]) >= {"happy", "attention"}
    app.radio(key=f"norm-signal-{d}").set_value("attention").run()
    assert not app.exception
    assert any("were attentive" in m.value for m in app.markdown)
    early = panel_page(c)
    assert any("No norm yet" in i.value and "this store has 2" in i.value for i in early.info)


def panel_page(project_id: int) -> AppTest:
    """The Panel page of one project, run once without an error."""
    app = AppTest.from_file(str(ROOT / "pages/panel.py"), default_timeout=60)
    app.query_params["project"] = str(project_id)
    app.run()
    assert not app.exception
    return app

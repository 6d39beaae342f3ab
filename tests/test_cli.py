import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shortory_core", "--data-dir", str(home), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )


def test_import_prints_the_project_as_json(tmp_path: Path, short_video: Path) -> None:
    comments = tmp_path / "c.jsonl"
    comments.write_text('{"cid": "a", "text": "0:01 wow", "votes": "2K"}\nnot json\n')
    done = run_cli("import", str(short_video), "--comments", str(comments), "--name", "Clip",
                   "--json", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["name"] == "Clip" and result["comments"] == 1
    assert result["video"]["duration"] > 2.9
    assert result["comment_import"]["skipped"] == 1 and result["comment_import"]["records"] == 2

    listed = json.loads(run_cli("projects", "--json", home=tmp_path / "home").stdout)
    assert [p["name"] for p in listed["projects"]] == ["Clip"]


def test_an_unusable_comment_file_refuses_the_import_and_leaves_nothing(
        tmp_path: Path, short_video: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    done = run_cli("import", str(short_video), "--comments", str(empty), "--json",
                   home=tmp_path / "home")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "empty.csv is empty" in done.stderr
    assert json.loads(run_cli("projects", "--json", home=tmp_path / "home").stdout) == {
        "projects": []}
    assert not any((tmp_path / "home" / "media").iterdir())


def test_user_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    done = run_cli("fetch", "file:///etc/passwd", home=tmp_path / "home")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: Not a web address")
    missing = run_cli("import", str(tmp_path / "none.mp4"), home=tmp_path / "home")
    assert missing.returncode == 2 and "No video file at" in missing.stderr


def test_moments_prints_ranked_moments_as_json(tmp_path: Path) -> None:
    dump = tmp_path / "comments.jsonl"
    lines = [f'{{"cid": "a{i}", "text": "0:42 wow", "author": "@u{i}"}}' for i in range(3)]
    lines += ['{"cid": "a3", "text": "0:42 rock &amp; roll", "author": "@u3", "votes": "9"}']
    lines += ['{"cid": "s1", "text": "0:05 0:05 0:05", "author": "@spam"}',
              '{"cid": "b", "text": "9:59 past the end", "author": "@x"}', "broken"]
    dump.write_text("\n".join(lines) + "\n")
    done = run_cli("moments", str(dump), "--duration", "120", "--top", "3", "--pad", "5",
                   "--unique-authors", "--json", home=tmp_path / "unused")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["bad_records"] == 1 and result["mentions"] == 7
    first, second = result["moments"]
    assert (first["centre"], first["start"], first["end"]) == (42.0, 37.0, 47.0)
    assert (first["mentions"], first["unique_authors"], first["score"]) == (4, 4, 4.0)
    assert first["comment_ids"] == ["a0", "a1", "a2", "a3"]
    assert first["top_comments"][0] == "0:42 rock & roll"  # read as the app shows it
    assert (second["centre"], second["score"]) == (5.0, 1.0)
    assert not (tmp_path / "unused").exists()  # moments needs no data folder


def test_moments_counts_a_chapter_list_as_chapters_not_votes(tmp_path: Path) -> None:
    chapters = "\\n".join(f"{m}:{s:02d} part {i}" for i, (m, s) in enumerate(
        [(0, 0), (1, 23), (3, 5), (5, 40), (8, 2), (10, 30), (12, 0)]))
    lines = [f'{{"cid": "list", "text": "{chapters}", "author": "@editor", "votes": "90"}}']
    lines += [f'{{"cid": "f{i}", "text": "5:41 lol", "author": "@u{i}"}}' for i in range(3)]
    dump = tmp_path / "comments.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    done = run_cli("moments", str(dump), "--json", home=tmp_path / "unused")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["mentions"], result["votes"]) == (10, 3)
    assert [(m["centre"], m["mentions"]) for m in result["moments"]] == [(341.0, 3)]


def test_moments_on_a_missing_or_empty_file(tmp_path: Path) -> None:
    missing = run_cli("moments", str(tmp_path / "none.csv"), home=tmp_path)
    assert missing.returncode == 2 and "No comment file at" in missing.stderr
    (tmp_path / "empty.csv").write_text("")
    empty = run_cli("moments", str(tmp_path / "empty.csv"), home=tmp_path)
    assert empty.returncode == 2 and "empty" in empty.stderr


def test_analyze_writes_a_timeline_on_video_time(tmp_path: Path) -> None:
    import pandas as pd

    from tests.conftest import FACE_CLIPS

    out = tmp_path / "timeline.parquet"
    done = run_cli("analyze", str(FACE_CLIPS / "reaction_smile_man.mp4"),
                   "--fps", "5", "--offset", "64", "--out", str(out), "--no-iris", "--json",
                   home=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["samples"] == result["faces_found"] >= 15
    table = pd.read_parquet(out)
    assert list(table.columns[:4]) == ["video_time", "source_time", "face_found", "n_faces"]
    assert table["video_time"].iloc[0] == 64.0
    assert ((table["video_time"] - table["source_time"] - 64.0).abs() < 1e-6).all()
    assert table["happy"].max() > 0.8 and table["gaze"].isna().all()  # iris was off
    bad = run_cli("analyze", str(out), home=tmp_path)
    assert bad.returncode == 2 and "not a readable video" in bad.stderr


def test_evaluate_reports_both_label_sets(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import FIXTURES

    folder = tmp_path / "faces"
    for source, name in (("happy", "Happiness"), ("angry", "ANGER"), ("neutral", "neutral")):
        shutil.copytree(FIXTURES / "fer2013_train_sample" / source, folder / name)
    (folder / "unknown_class").mkdir()
    done = run_cli("evaluate", str(folder), "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["images"] == 179 and "unknown_class" in result["skipped"]
    # FER2013 holds a few blank images; one is in the sample, and holds no face to score.
    assert result["skipped"]["ANGER/Training_10131352.jpg"] == "a flat image (no face in it)"
    raw = result["raw"]
    assert raw["support"] == {"angry": 59, "disgust": 0, "fear": 0, "happy": 60, "sad": 0,
                              "surprise": 0, "neutral": 60}
    assert sum(map(sum, raw["confusion"])) == 179
    assert raw["recall"]["happy"] > 0.8
    assert set(result["product"]["labels"]) == {"happy", "sad", "angry", "neutral", "surprise"}


def test_evaluate_reads_every_image_format_and_numbered_class_folders(tmp_path: Path) -> None:
    """The JAFFE release is TIFF; other sets are PGM, BMP or WebP, in folders such as
    ``1 - Happy``. Every image is scored, every other file is reported, and every accuracy
    says how many images it is over."""
    import cv2

    from tests.conftest import FIXTURES

    folder = tmp_path / "faces"
    formats = (".tiff", ".pgm", ".bmp", ".webp", ".png")
    for name, source in (("1 - Happy", "happy"), ("02_angry", "angry")):
        (folder / name).mkdir(parents=True)
        images = [p for p in sorted((FIXTURES / "fer2013_train_sample" / source).iterdir())
                  if cv2.imread(str(p), cv2.IMREAD_GRAYSCALE).std() > 0][:10]  # not blank
        for i, image in enumerate(images):
            cv2.imwrite(str(folder / name / f"{i}{formats[i % 5]}"),
                        cv2.imread(str(image), cv2.IMREAD_GRAYSCALE))
        (folder / name / "notes.txt").write_text("not an image")
    done = run_cli("evaluate", str(folder), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "on 20 images" in done.stdout and "skipped 2: 2 not an image" in done.stdout
    result = json.loads(run_cli("evaluate", str(folder), "--json", home=tmp_path).stdout)
    assert result["images"] == 20 and result["raw"]["images"] == 20
    assert result["raw"]["support"]["happy"] == 10 and result["raw"]["support"]["angry"] == 10
    assert set(result["skipped"]) == {"1 - Happy/notes.txt", "02_angry/notes.txt"}

    empty = tmp_path / "empty"
    (empty / "happy").mkdir(parents=True)
    refused = run_cli("evaluate", str(empty), home=tmp_path)
    assert refused.returncode == 2 and "No labelled images" in refused.stderr


def test_plain_output_is_an_aligned_table(demo_home: Path) -> None:
    for command in (["projects"], ["jobs"], ["highlights", "1", "--top", "1"]):
        done = run_cli(*command, home=demo_home)
        assert done.returncode == 0, done.stderr
        assert "{" not in done.stdout and "[" not in done.stdout  # no Python dict text
    lines = run_cli("projects", home=demo_home).stdout.splitlines()
    assert lines[0] == "projects:"
    header, row = lines[1], lines[2]
    assert header.split() == ["id", "name", "demo", "duration", "comments", "sessions",
                              "clips"]
    assert "Demo: the Shortory show" in row and row.split()[-4:] == ["2:00", "462", "9", "0"]
    # each column's cells end (numbers) or start (text) under its header
    assert row.index("Demo") == header.index("name")
    assert row.index("462") + 3 == header.index("comments") + len("comments")


def test_a_project_is_named_by_id_or_name_and_a_doubt_is_refused(demo_home: Path,
                                                                 tmp_path: Path) -> None:
    from shortory_core.store import Store

    by_name = run_cli("highlights", "Demo: the Shortory show", "--top", "1", "--json",
                      home=demo_home)
    by_id = run_cli("highlights", "1", "--top", "1", "--json", home=demo_home)
    assert by_name.returncode == 0 and json.loads(by_name.stdout) == json.loads(by_id.stdout)

    store = Store(tmp_path / "home")
    twins = [store.create_project("Twin") for _ in range(2)]
    for command in ("panel", "highlights"):
        doubt = run_cli(command, "Twin", home=tmp_path / "home")
        assert doubt.returncode == 2 and len(doubt.stderr.strip().splitlines()) == 1
        assert f"(ids {twins[0]}, {twins[1]})" in doubt.stderr
    missing = run_cli("panel", "Nobody", home=tmp_path / "home")
    assert missing.returncode == 2 and missing.stderr == (
        "error: No project named 'Nobody'; `projects` lists them.\n")
    assert run_cli("panel", str(twins[1]), "--json", home=tmp_path / "home").returncode == 0

"""Which emotion model reads a project's viewers: the project's own choice, else the app's.

An analyst picks the model per project on the Model page; ``$SHORTORY_EMOTION_MODEL`` (or the
shipped default) stays the app-wide default for projects that never chose. The choice is kept in
the store's per-project settings (``page_settings`` under ``SETTINGS``), so it goes with the
project and needs no schema change. Every reaction path asks ``project_emotion_card``: a
recording's analysis, a live session on the Watch page, a remote viewer's browser, and the
profile lookups (a viewer profile belongs to one model). Each session notes the model that read
it in its ``meta`` (``MODEL_KEY``), so a later change of model never hides which one did.
"""

from __future__ import annotations

from pathlib import Path

from shortory_core.config import MODELS_DIR
from shortory_core.errors import ShortoryError
from shortory_core.records import ReactionSession
from shortory_core.store import Store
from shortory_core.vision.cards import ModelCard, default_card, emotion_cards

SETTINGS = "emotion_model"  # the page_settings row that holds a project's choice
MODEL_KEY = "emotion_model"  # a session's meta: the card name of the model that read it


def chosen_model(store: Store, project_id: int) -> str | None:
    """The card name the project chose, or ``None`` when it follows the app's default."""
    return store.page_settings(project_id, SETTINGS).get("model")


def project_emotion_card(store: Store, project_id: int, models_dir: Path = MODELS_DIR
                         ) -> ModelCard:
    """The emotion model that reads this project's viewers."""
    name = chosen_model(store, project_id)
    if name is None:
        return default_card("emotion", models_dir)
    card = next((c for c in emotion_cards(models_dir) if c.name == name), None)
    if card is None:
        raise ShortoryError(f"This project reads faces with {name!r}, which is no longer in "
                            "models/: choose another emotion model on the Model page.")
    return card


def choose_emotion_model(store: Store, project_id: int, name: str | None,
                         models_dir: Path = MODELS_DIR) -> None:
    """Keep ``name`` (a card name) as the project's model; ``None`` follows the app's
    default again. Sessions already read keep their samples and say which model read them."""
    if name is not None and name not in {c.name for c in emotion_cards(models_dir)}:
        raise ShortoryError(f"No emotion model {name!r}; choose from "
                            f"{', '.join(c.name for c in emotion_cards(models_dir))}.")
    store.save_page_settings(project_id, SETTINGS, {} if name is None else {"model": name})


def note_session_model(store: Store, session_id: int, card: ModelCard) -> None:
    """Record in the session's meta which model read it."""
    store.update_session(session_id, **{MODEL_KEY: card.name})


def session_model(session: ReactionSession) -> str | None:
    """The model that read a session (``None``: read before sessions recorded it)."""
    return session.meta.get(MODEL_KEY)

"""Home: what the workbench does in three steps, one-click examples, the library and device."""

from __future__ import annotations

import streamlit as st

from app_state import Key, Page, libraries
from core import datasets
from core.domains import Domain
from core.workspace import EXAMPLE_ROWS, EXAMPLES, load_example
from views._widgets import device_text, libraries_summary, library_names


DOMAIN_LABEL = {Domain.MOLECULE: "molecules", Domain.INORGANIC: "inorganic", Domain.POLYMER: "polymers"}
SHORT = {"freesolv": "FreeSolv", "steels_yield": "Steel strength", "polymer_tg_common": "Polymer Tg"}

st.title("Predict a materials property from a few dozen measurements")
st.markdown(
    "A library of neural networks pretrained on large datasets of molecules, polymers and inorganic compounds "
    "is tried, model by model, on **your small dataset** (\"shotgun\" transfer learning, after Yamada et al., "
    "*ACS Cent. Sci.* 2019). Each model is ranked by cross-validation against a model trained from scratch "
    "under the very same folds, and you are told honestly whether transfer helped.")

steps = st.columns(3)
steps[0].markdown("#### 1. Bring data\nA CSV or Excel table with a structure column (SMILES, polymer repeat "
                  "unit with two `*`, chemical formula, or a zip of CIFs) and a measured property. "
                  "Tens to hundreds of rows.")
steps[1].markdown("#### 2. Shotgun transfer\nEvery pretrained model turns your structures into learned features; "
                  "a simple regressor on those features is cross-validated. Hundreds of models in seconds, the "
                  "best refitted with heavier regressors.")
steps[2].markdown("#### 3. Read honest results\nA ranking against scratch baselines, parity plots, a "
                  "transferability map, and a nested estimate of the whole procedure that does not flatter "
                  "the winner. Then predict new structures.")

st.subheader("Try an example")
estimated = [SHORT.get(n, n) for n in EXAMPLES.values() if datasets.get(n).estimate]
st.caption(f"One click loads {EXAMPLE_ROWS} rows of a bundled dataset and opens the transfer page with a quick "
           f"preset; press Start there. The examples are measurements"
           + (f", except {', '.join(estimated)}: group-contribution estimates, labelled as such" if estimated else "")
           + ".")


def _start_example(name: str) -> None:
    with st.spinner(f"Loading {name} (the first time after installing without scripts/setup.sh, parsing the "
                    "source data can take a few minutes)..."):
        st.session_state[Key.DATASET] = load_example(name, EXAMPLE_ROWS)
    st.session_state[Key.PRESET] = "quick"
    st.session_state[Key.AUTO_OPEN] = True


# one card per example, of a fixed width, in a row that wraps: a button's label is never cut
with st.container(horizontal=True, gap="medium"):
    for domain, name in EXAMPLES.items():
        spec = datasets.get(name)
        with st.container(width=340, border=False):
            title = SHORT.get(name, name)
            if st.button(f"Try an example: {title} ({DOMAIN_LABEL[domain]})", key=f"example_{name}",
                         icon=":material/play_arrow:", type="primary" if domain is Domain.MOLECULE else "secondary",
                         width="stretch"):
                _start_example(name)
                st.switch_page(Page.TRANSFER)
            estimate = spec.estimate and "estimate" not in spec.property
            st.caption(f"{spec.property} ({spec.unit})." + (" Group-contribution estimates, not measurements."
                                                           if estimate else ""))

st.subheader("What is in use")
summary = libraries_summary(libraries())
with st.container(horizontal=True, gap="medium"):
    st.metric("Pretrained models", summary["models"], width=220)
    st.metric("Source properties", summary["properties"], width=220)
    st.metric("Compute device", device_text(), width=340)
if summary["domains"]:
    st.caption("Models per domain: " + ", ".join(f"{d} {n}" for d, n in sorted(summary["domains"].items())))
st.caption("Libraries in use: " + "; ".join(library_names(libraries())) + ". Change them on the Build library page.")

st.page_link(Page.DATA, label="Or upload your own data", icon=":material/upload:")
st.page_link(Page.LEARN, label="New to transfer learning? A guided walk through the idea", icon=":material/school:")

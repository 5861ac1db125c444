"""Small CIF texts for tests: a two-site cubic cell (CsCl type) written in P 1, and zips of files."""

import io
import zipfile


def two_site_cif(cation: str = "Na", anion: str = "Cl", length: float = 5.64) -> str:
    """A cubic cell with ``cation`` at the origin and ``anion`` at the body centre, in P 1."""
    cell = "\n".join(f"_cell_length_{axis} {length:.2f}" for axis in "abc")
    angles = "\n".join(f"_cell_angle_{name} 90" for name in ("alpha", "beta", "gamma"))
    return (f"data_{cation}{anion}\n{cell}\n{angles}\n_symmetry_space_group_name_H-M 'P 1'\n"
            "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            f"_atom_site_fract_z\n_atom_site_occupancy\n{cation}1 {cation} 0.0 0.0 0.0 1\n"
            f"{anion}1 {anion} 0.5 0.5 0.5 1\n")


#: NaCl in a CsCl-type cell (not the real rock-salt structure; enough for parsing and descriptors).
CIF = two_site_cif()


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip archive holding ``files`` (name -> text)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()

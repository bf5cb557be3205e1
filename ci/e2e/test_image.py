"""`pxelab image` against independent tools: mtools (mdir, mtype) and fsck.fat -n
(dosfstools) read what pxelab writes, for every floppy size; pxelab reads what
mkfs.fat + mcopy write (long names, subdirectories, other sizes); failed operations
leave the image untouched; the nasm boot sector is the one `create` takes."""
import hashlib
import pathlib
import shutil

import pytest

from conftest import build_dir, run

SIZES = [360, 720, 1200, 1440, 2880]
GEOMETRY = {360: (9, 0xFD), 720: (9, 0xF9), 1200: (15, 0xF9), 1440: (18, 0xF0), 2880: (36, 0xF0)}


@pytest.fixture(scope="module")
def boot_bin() -> pathlib.Path:
    path = build_dir() / "image" / "host_floppy.bin"
    assert path.exists() and path.stat().st_size == 512, f"{path}: built by image/CMakeLists.txt with nasm"
    return path


@pytest.fixture()
def tree(tmp_path) -> pathlib.Path:
    src = tmp_path / "src"
    (src / "CONFIG" / "DEEP").mkdir(parents=True)
    (src / "HOST.TXT").write_text("host=${hostname} ip=${ip}\n")
    (src / "CONFIG" / "BLOB.BIN").write_bytes(bytes(range(256)) * 23)  # 5888 bytes
    (src / "CONFIG" / "DEEP" / "readme.txt").write_text("lower case is stored upper\n")
    return src


def mtools(args, image):
    return run([args[0], "-i", image] + args[1:],
               env={"MTOOLS_SKIP_CHECK": "1", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("kib", SIZES)
def test_mtools_and_fsck_read_what_pxelab_writes(pxelab_bin, boot_bin, tree, tmp_path, kib):
    img = tmp_path / f"f{kib}.img"
    r = run([pxelab_bin, "image", "create", img, "--size", kib, "--boot-sector", boot_bin, "--from", tree,
             "--label", "PXELAB"])
    assert r.returncode == 0, r.stderr
    assert img.stat().st_size == kib * 1024
    fsck = run(["fsck.fat", "-n", img])
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    # Nothing to report but the count: 3 files, 2 directories and the volume label.
    assert fsck.stdout.splitlines()[1:] == [f"{img}: 6 files, {fsck.stdout.split('files, ')[1].strip()}"], fsck.stdout
    assert "6 files" in fsck.stdout, fsck.stdout
    mdir = mtools(["mdir", "::/"], img)
    assert mdir.returncode == 0, mdir.stderr
    assert "Volume in drive : is PXELAB" in mdir.stdout and "HOST     TXT" in mdir.stdout and "CONFIG" in mdir.stdout
    sub = mtools(["mdir", "-b", "::/CONFIG/DEEP"], img)
    assert sub.stdout.strip() == "::/CONFIG/DEEP/README.TXT", sub.stdout
    assert mtools(["mtype", "::/HOST.TXT"], img).stdout == "host=${hostname} ip=${ip}\n"
    blob = run(["mcopy", "-n", "-i", img, "::/CONFIG/BLOB.BIN", tmp_path / "blob"],
               env={"MTOOLS_SKIP_CHECK": "1", "PATH": "/usr/bin:/bin"})
    assert blob.returncode == 0, blob.stderr
    assert (tmp_path / "blob").read_bytes() == (tree / "CONFIG" / "BLOB.BIN").read_bytes()
    # The BPB as memdisk reads it: sectors per track, heads, media, 0x29, FAT12.
    boot = img.read_bytes()[:512]
    spt, media = GEOMETRY[kib]
    assert int.from_bytes(boot[24:26], "little") == spt and int.from_bytes(boot[26:28], "little") == 2
    assert boot[21] == media and boot[38] == 0x29 and boot[54:62] == b"FAT12   " and boot[510:] == b"\x55\xaa"
    assert boot[62:510] == boot_bin.read_bytes()[62:510], "the boot code follows the BPB unchanged"
    check = run([pxelab_bin, "image", "check", img])
    assert check.returncode == 0 and ": ok:" in check.stdout, check.stdout + check.stderr


@pytest.mark.parametrize("kib", [360, 1440, 2880])
def test_changes_stay_valid_for_fsck_and_mtools(pxelab_bin, boot_bin, tree, tmp_path, kib):
    img = tmp_path / "f.img"
    assert run([pxelab_bin, "image", "create", img, "--size", kib, "--boot-sector", boot_bin, "--from", tree]).returncode == 0
    (tmp_path / "new.txt").write_text("x" * 3000)
    for args in (["mkdir", img, "DOC"], ["add", img, tmp_path / "new.txt", "DOC/NEW.TXT"],
                 ["replace", img, tmp_path / "new.txt", "HOST.TXT"], ["rm", img, "CONFIG/BLOB.BIN"]):
        r = run([pxelab_bin, "image"] + args)
        assert r.returncode == 0, (args, r.stderr)
    fsck = run(["fsck.fat", "-n", img])
    assert fsck.returncode == 0, fsck.stdout
    assert mtools(["mtype", "::/DOC/NEW.TXT"], img).stdout == "x" * 3000
    assert "BLOB" not in mtools(["mdir", "-/", "-b", "::/"], img).stdout


def test_pxelab_reads_mkfs_and_mcopy_images_with_long_names(pxelab_bin, tmp_path):
    env = {"MTOOLS_SKIP_CHECK": "1", "PATH": "/usr/bin:/sbin:/usr/sbin:/bin"}
    for kib in (720, 2880):
        img = tmp_path / f"m{kib}.img"
        assert run(["mkfs.fat", "-C", "-F", "12", "-n", "MADEBYMKFS", img, kib], env=env).returncode == 0
        (tmp_path / "long.txt").write_text("a file with a long name\n")
        assert run(["mmd", "-i", img, "::/A Long Directory"], env=env).returncode == 0
        assert run(["mcopy", "-i", img, tmp_path / "long.txt", "::/A Long Directory/Some Long File Name.txt"],
                   env=env).returncode == 0
        assert run(["mcopy", "-i", img, tmp_path / "long.txt", "::/SHORT.TXT"], env=env).returncode == 0
        ls = run([pxelab_bin, "image", "ls", img])
        assert ls.returncode == 0, ls.stderr
        assert "A Long Directory" in ls.stdout and "SHORT.TXT" in ls.stdout, ls.stdout
        sub = run([pxelab_bin, "image", "ls", img, "a long directory"])
        assert "Some Long File Name.txt" in sub.stdout, sub.stdout
        cat = run([pxelab_bin, "image", "cat", img, "A Long Directory/Some Long File Name.txt"])
        assert cat.stdout == "a file with a long name\n"
        out = tmp_path / f"out{kib}"
        assert run([pxelab_bin, "image", "extract", img, out]).returncode == 0
        assert (out / "A Long Directory" / "Some Long File Name.txt").read_text() == "a file with a long name\n"
        check = run([pxelab_bin, "image", "check", img])
        assert check.returncode == 0, check.stdout
        assert "label MADEBYMKFS" in check.stdout
        imported = tmp_path / f"i{kib}.img"
        assert run([pxelab_bin, "image", "import", img, imported]).returncode == 0
        assert imported.read_bytes() == img.read_bytes()


def test_bad_input_is_a_precise_error_and_leaves_the_image_alone(pxelab_bin, boot_bin, tree, tmp_path):
    img = tmp_path / "f.img"
    assert run([pxelab_bin, "image", "create", img, "--size", 360, "--boot-sector", boot_bin, "--from", tree]).returncode == 0
    before = hashlib.sha256(img.read_bytes()).hexdigest()
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 400_000)
    cases = [
        (["add", img, big, "BIG.BIN"], "does not fit: needs 391 clusters"),
        (["add", img, tree / "HOST.TXT", "A Long Name.txt"], "has a base of 11 characters: names are stored as 8.3"),
        (["add", img, tree / "HOST.TXT"], "'HOST.TXT': exists (replace it with `replace`)"),
        (["replace", img, tree / "HOST.TXT", "NOPE.TXT"], "'NOPE.TXT': no such file"),
        (["rm", img, "CONFIG"], "directory not empty"),
        (["mkdir", img, "NO/SUCH"], "'NO/SUCH': no 'NO' in the root"),
        (["cat", img, "MISSING"], "'MISSING': no such file or directory"),
    ]
    for args, words in cases:
        r = run([pxelab_bin, "image"] + args)
        assert r.returncode == 1 and words in r.stderr, (args, r.stderr)
        assert hashlib.sha256(img.read_bytes()).hexdigest() == before, args
    assert list(tmp_path.glob(".f.img.*")) == [], "no temporary file is left behind"
    # Truncated and corrupt images, a missing or bad boot sector, a size not offered.
    (tmp_path / "cut.img").write_bytes(img.read_bytes()[:100_000])
    r = run([pxelab_bin, "image", "ls", tmp_path / "cut.img"])
    assert r.returncode == 1 and "truncated: the BPB says 720 sectors (368640 bytes), the image has 100000" in r.stderr
    r = run([pxelab_bin, "image", "check", tmp_path / "cut.img"])
    assert r.returncode == 1 and "1 defect" in r.stdout
    bad = bytearray(img.read_bytes())
    bad[510] = 0
    bad[512 + 2 * 512 + 30] ^= 0xFF  # FAT copy 2 differs
    (tmp_path / "bad.img").write_bytes(bytes(bad))
    r = run([pxelab_bin, "image", "check", tmp_path / "bad.img"])
    assert r.returncode == 1
    assert "boot_sector: no 0x55AA signature" in r.stdout and "fat: copy 2 differs from copy 1" in r.stdout, r.stdout
    r = run([pxelab_bin, "image", "import", tmp_path / "bad.img", tmp_path / "never.img"])
    assert r.returncode == 1 and not (tmp_path / "never.img").exists()
    r = run([pxelab_bin, "image", "create", tmp_path / "x.img", "--boot-sector", tmp_path / "absent.bin"])
    assert r.returncode == 1 and "absent.bin: cannot open" in r.stderr
    (tmp_path / "short.bin").write_bytes(b"\xeb\x3c\x90" + b"\0" * 100)
    r = run([pxelab_bin, "image", "create", tmp_path / "x.img", "--boot-sector", tmp_path / "short.bin"])
    assert r.returncode == 1 and "103 bytes: a boot sector program is exactly 512" in r.stderr
    r = run([pxelab_bin, "image", "create", tmp_path / "x.img", "--size", 1000, "--boot-sector", boot_bin])
    assert r.returncode == 1 and "sizes are 360, 720, 1200, 1440, 2880" in r.stderr
    r = run([pxelab_bin, "image", "create", tmp_path / "x.img"])
    assert r.returncode == 2 and "--boot-sector is required" in r.stderr
    assert not (tmp_path / "x.img").exists()


def test_render_fills_templates_and_names_a_missing_variable(pxelab_bin, boot_bin, tree, tmp_path):
    img = tmp_path / "t.img"
    assert run([pxelab_bin, "image", "create", img, "--boot-sector", boot_bin, "--from", tree]).returncode == 0
    out = tmp_path / "pc01.img"
    r = run([pxelab_bin, "image", "render", img, out, "--var", "hostname=pc01", "--var", "ip=192.0.2.10"])
    assert r.returncode == 0, r.stderr
    assert mtools(["mtype", "::/HOST.TXT"], out).stdout == "host=pc01 ip=192.0.2.10\n"
    assert run(["fsck.fat", "-n", out]).returncode == 0
    r = run([pxelab_bin, "image", "render", img, out, "--var", "hostname=pc01"])
    assert r.returncode == 1 and "HOST.TXT: no value for ${ip}" in r.stderr


def test_help_teaches_with_examples(pxelab_bin):
    r = run([pxelab_bin, "image", "--help"])
    assert r.returncode == 0
    for words in ("8.3", "Examples:", "pxelab image create", "${hostname}", "check"):
        assert words in r.stdout, words

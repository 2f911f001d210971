#!/usr/bin/python3
"""Builds the documents the attachment tests use, byte for byte reproducible: PDFs
(ISO 32000-1 §7.5: header, objects, cross-reference table, trailer), Office Open XML
and OpenDocument zips, OLE2 compound files (MS-CFB) with or without a VBA project
(MS-OVBA §2.2), a OneNote header, archives and disk images. Imported by the scripts
that write the fixtures; no dependency beyond Python's standard library."""
import gzip, io, struct, tarfile, zipfile

# Fixed dates keep the output identical from run to run.
ZIP_DATE = (2026, 11, 27, 10, 0, 0)


def pdf(objects, root=1):
    """A PDF from object bodies (bytes or str), numbered from 1, with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        if isinstance(body, str):
            body = body.encode("latin-1")
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, xref))
    return out.getvalue()


def pdf_escape(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(lines, catalog_extra="", page_extra="", extra_objects=()):
    """A one-page PDF showing lines in Helvetica; catalog_extra and page_extra are
    added to the catalog and page dictionaries; extra_objects are numbered from 6."""
    content = "BT /F1 11 Tf 56 780 Td 14 TL\n"
    for line in lines:
        content += "(%s) Tj T*\n" % pdf_escape(line)
    content += "ET"
    data = content.encode("latin-1")
    objs = [
        "<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R %s>>" % page_extra,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        "/Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    objs.extend(extra_objects)
    return pdf(objs)


def object_stream(objects):
    """A compressed object stream (ISO 32000-1 §7.5.7) holding {number: body}: what PDF
    writers since 1.5 use, and what hides objects from a byte scan."""
    import zlib
    header, body = "", ""
    for num, obj in objects.items():
        header += "%d %d " % (num, len(body))
        body += obj + " "
    data = zlib.compress((header + body).encode("latin-1"))
    return (b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(objects), len(header), len(data)) + data + b"\nendstream")


def zip_of(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas'
                 '.openxmlformats.org/package/2006/content-types"/>')
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(paragraphs, vba=False, footer=None):
    body = "".join('<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % p
                   for p in paragraphs)
    members = {
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?>'
                             '<w:document %s><w:body>%s</w:body></w:document>' % (W, body),
    }
    if footer is not None:
        members["word/footer1.xml"] = ('<w:ftr %s><w:p><w:r><w:t>%s</w:t></w:r></w:p>'
                                       '</w:ftr>' % (W, footer))
    if vba:
        members["word/vbaProject.bin"] = cfb({"VBA/dir": b"\x01" * 64,
                                              "VBA/_VBA_PROJECT": b"\xcc\x61" + b"\0" * 5,
                                              "PROJECT": b'ID="{00000000}"\r\n'})
    return zip_of(members)


def odt(paragraphs):
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = "".join("<text:p>%s</text:p>" % p for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # ODF 1.2 Part 3 §3.3: "mimetype" first and stored.
        info = zipfile.ZipInfo("mimetype", ZIP_DATE)
        z.writestr(info, "application/vnd.oasis.opendocument.text")
        info = zipfile.ZipInfo("content.xml", ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                   '%s><office:body><office:text>%s</office:text></office:body>'
                   '</office:document-content>' % (ns, body))
    return buf.getvalue()


# MS-CFB: 512-byte sectors, every stream padded to the 4,096-byte mini-stream cutoff so
# that all live in the FAT and no mini stream is needed.
SECTOR = 512
ENDOFCHAIN, FREESECT, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def _cfb_key(name):
    # §2.6.4: shorter names sort first, then by upper-case comparison.
    return (len(name), name.upper())


def cfb(streams):
    """An OLE2 compound file holding streams {"Storage/Sub/Stream": bytes}."""
    # Directory tree from the paths.
    entries = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]
    index = {"": 0}
    for path, data in streams.items():
        parts = path.split("/")
        for depth in range(len(parts)):
            key = "/".join(parts[:depth + 1])
            if key in index:
                continue
            parent = index["/".join(parts[:depth])]
            is_stream = depth == len(parts) - 1
            entries.append({"name": parts[depth], "type": 2 if is_stream else 1,
                            "children": [], "data": data if is_stream else b""})
            index[key] = len(entries) - 1
            entries[parent]["children"].append(len(entries) - 1)
    # Siblings as a degenerate tree: each one's right sibling is the next by key, all
    # black (a valid red-black tree needs no red node when it is a chain... readers
    # only walk it, so a right-leaning chain is accepted).
    for e in entries:
        kids = sorted(e["children"], key=lambda i: _cfb_key(entries[i]["name"]))
        e["child"] = kids[0] if kids else NOSTREAM
        for a, b in zip(kids, kids[1:]):
            entries[a]["right"] = b
    # Stream sectors.
    sectors = []
    for e in entries:
        data = e["data"]
        if e["type"] != 2:
            e["start"], e["size"] = (ENDOFCHAIN if e["type"] == 5 else 0), 0
            continue
        data = data + b"\0" * (4096 - len(data)) if len(data) < 4096 else data
        e["size"] = len(data)
        e["start"] = len(sectors)
        for off in range(0, len(data), SECTOR):
            sectors.append(data[off:off + SECTOR].ljust(SECTOR, b"\0"))
        e["count"] = (len(data) + SECTOR - 1) // SECTOR
    # Directory sectors: 4 entries of 128 bytes per sector.
    dir_bytes = b""
    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\0\0"
        dir_bytes += (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), e["type"], 1)
                      + struct.pack("<III", e.get("left", NOSTREAM), e.get("right", NOSTREAM),
                                    e["child"])
                      + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                      + struct.pack("<IQ", e["start"], e["size"]))
    dir_bytes = dir_bytes.ljust((len(dir_bytes) + SECTOR - 1) // SECTOR * SECTOR, b"\0")
    dir_start = len(sectors)
    dir_count = len(dir_bytes) // SECTOR
    for off in range(0, len(dir_bytes), SECTOR):
        sectors.append(dir_bytes[off:off + SECTOR])
    # One FAT sector is enough for 128 sectors.
    fat_start = len(sectors)
    assert fat_start + 1 <= 128
    fat = [FREESECT] * 128
    for e in entries:
        if e["type"] == 2:
            for k in range(e["count"]):
                fat[e["start"] + k] = e["start"] + k + 1 if k + 1 < e["count"] else ENDOFCHAIN
    for k in range(dir_count):
        fat[dir_start + k] = dir_start + k + 1 if k + 1 < dir_count else ENDOFCHAIN
    fat[fat_start] = FATSECT
    sectors.append(struct.pack("<128I", *fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, dir_start, 0, 4096, ENDOFCHAIN, 0,
                            ENDOFCHAIN, 0))
    difat = [fat_start] + [FREESECT] * 108
    header += struct.pack("<109I", *difat)
    assert len(header) == 512
    return header + b"".join(sectors)


def word_fib(encrypted=False):
    """The start of a WordDocument stream: FibBase with wIdent 0xA5EC (MS-DOC §2.5.2)."""
    flags = 0x0100 if encrypted else 0
    return struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0x040C, 0, flags) + b"\0" * 20


def legacy_doc(vba=False, encrypted=False):
    streams = {"WordDocument": word_fib(encrypted), "1Table": b"\0" * 16,
               "\x05SummaryInformation": b"\xfe\xff" + b"\0" * 46}
    if vba:
        streams["Macros/VBA/dir"] = b"\x01" * 64
        streams["Macros/VBA/_VBA_PROJECT"] = b"\xcc\x61" + b"\0" * 5
        streams["Macros/VBA/ThisDocument"] = b"Attribute VB_Name = \"ThisDocument\"\r\n"
        streams["Macros/PROJECT"] = b'ID="{00000000}"\r\nDocument=ThisDocument/&H00000000\r\n'
    return cfb(streams)


def _biff(rtype, data):
    return struct.pack("<HH", rtype, len(data)) + data


def _biff_bof(dt):
    # MS-XLS §2.4.21 BOF: vers 0x0600 (BIFF8), dt, rupBuild, rupYear, then flags.
    return _biff(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x4F5A, 0x07CD, 0x000100C1, 0x406))


def _biff_string(s, length_bytes=1):
    # XLUnicodeString with fHighByte: Latin-1 as 8-bit characters, else UTF-16LE.
    try:
        raw, high = s.encode("latin-1"), 0
    except UnicodeEncodeError:
        raw, high = s.encode("utf-16-le"), 1
    count = len(s) if not high else len(raw) // 2
    return (struct.pack("<B" if length_bytes == 1 else "<H", count) + bytes([high]) + raw)


XLS_STATES = {"visible": 0, "hidden": 1, "veryHidden": 2}


def workbook_stream(sheets, names=()):
    """A BIFF8 Workbook stream (MS-XLS §2.1.4): the globals substream with a
    BoundSheet8 record per sheet (§2.4.28: hsState, dt 0 worksheet or 1 macro sheet) and
    a Lbl record per defined name (§2.4.150: an int is a built-in name, 1 Auto_Open,
    6 Print_Area; a str a name of the user's), then each sheet's substream. sheets:
    [(name, "worksheet" or "macro", "visible", "hidden" or "veryHidden")]."""
    head = _biff_bof(0x0005) + _biff(0x0042, struct.pack("<H", 1252))  # CodePage
    head += _biff(0x003D, struct.pack("<hhhhHHHHH", 0, 0, 0x3000, 0x2000, 0x38, 0, 0, 1,
                                      0x258))  # Window1
    lbls = b""
    for n in names:
        # A 3-D reference to the first cell of the first sheet (PtgRef3d, §2.5.198.85).
        rgce = b"\x3a" + struct.pack("<HII", 0, 0, 0)[:6]
        if isinstance(n, int):
            lbls += _biff(0x0018, struct.pack("<HBBHHHBBBB", 0x0020, 0, 1, len(rgce), 0, 0,
                                               0, 0, 0, 0) + b"\x00" + bytes([n]) + rgce)
        else:
            lbls += _biff(0x0018, struct.pack("<HBBHHHBBBB", 0, 0, len(n), len(rgce), 0, 0,
                                               0, 0, 0, 0) + b"\x00" + n.encode("latin-1")
                          + rgce)
    bound_len = sum(len(_biff(0x0085, b"\0" * 6 + _biff_string(name))) for name, _, _ in sheets)
    eof = _biff(0x000A, b"")
    offset = len(head) + bound_len + len(lbls) + len(eof)
    bounds, bodies = b"", b""
    for name, kind, state in sheets:
        dt = 1 if kind == "macro" else 0
        body = _biff_bof(0x0040 if dt else 0x0010)
        if dt:
            # FORMULA cells (§2.4.127) of an Excel 4.0 macro are opaque here: a label.
            body += _biff(0x0204, struct.pack("<HHH", 0, 0, 15) + _biff_string("=EXEC(\"calc\")", 2))
        body += eof
        bounds += _biff(0x0085, struct.pack("<IBB", offset + len(bodies), XLS_STATES[state], dt)
                        + _biff_string(name))
        bodies += body
    return head + bounds + lbls + eof + bodies


def legacy_xls(vba=False, sheets=None, names=()):
    if sheets is None:
        streams = {"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\0" * 24}
    else:
        streams = {"Workbook": workbook_stream(sheets, names)}
    if vba:
        streams["_VBA_PROJECT_CUR/VBA/dir"] = b"\x01" * 64
        streams["_VBA_PROJECT_CUR/VBA/_VBA_PROJECT"] = b"\xcc\x61" + b"\0" * 5
        streams["_VBA_PROJECT_CUR/PROJECT"] = b'ID="{00000000}"\r\n'
    return cfb(streams)


def xlsx(sheets, names=(), strings=(), macro_enabled=False):
    """A SpreadsheetML package (ECMA-376 Part 1 §18.2) as Excel writes it: the workbook
    with its <sheet> list (state="hidden" or "veryHidden") and <definedName>s, one part
    per sheet, worksheets under xl/worksheets/ and Excel 4.0 macro sheets under
    xl/macrosheets/ ([MS-XLSX] §2.1.2, reached by an xlMacrosheet relationship).
    sheets: [(name, "worksheet" or "macro", "visible", "hidden" or "veryHidden")];
    names: {name: formula}; strings: the shared strings."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = [("/xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
                  if macro_enabled else ct + ".sheet.main+xml"),
                 ("/xl/sharedStrings.xml", ct + ".sharedStrings+xml")]
    members, rels, entries = {}, [], []
    for i, (name, kind, state) in enumerate(sheets, 1):
        rid = "rId%d" % i
        if kind == "macro":
            part = "macrosheets/sheet%d.xml" % i
            overrides.append(("/xl/" + part, "application/vnd.ms-excel.macrosheet+xml"))
            rels.append((rid, "http://schemas.microsoft.com/office/2006/relationships/"
                              "xlMacrosheet", part))
            members["xl/" + part] = (
                '<xm:macrosheet xmlns="%s" xmlns:xm="http://schemas.microsoft.com/office/'
                'excel/2006/main"><sheetData><row r="1"><c r="A1"><f>EXEC("calc.exe")</f>'
                '</c></row><row r="2"><c r="A2"><f>HALT()</f></c></row></sheetData>'
                '</xm:macrosheet>' % main)
        else:
            part = "worksheets/sheet%d.xml" % i
            overrides.append(("/xl/" + part, ct + ".worksheet+xml"))
            rels.append((rid, rel + "/worksheet", part))
            members["xl/" + part] = ('<worksheet xmlns="%s"><sheetData><row r="1"><c r="A1" '
                                     't="s"><v>0</v></c></row></sheetData></worksheet>' % main)
        attr = "" if state == "visible" else ' state="%s"' % state
        entries.append('<sheet name="%s" sheetId="%d"%s r:id="%s"/>' % (name, i, attr, rid))
    rels.append(("rId%d" % (len(sheets) + 1), rel + "/sharedStrings", "sharedStrings.xml"))
    defined = "".join('<definedName name="%s">%s</definedName>' % kv for kv in names.items()) \
        if names else ""
    members["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/>'
        + "".join('<Override PartName="%s" ContentType="%s"/>' % o for o in overrides)
        + "</Types>")
    members["_rels/.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>' % rel)
    members["xl/workbook.xml"] = (
        '<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets>%s</workbook>'
        % (main, rel, "".join(entries),
           "<definedNames>%s</definedNames>" % defined if defined else ""))
    members["xl/_rels/workbook.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join('<Relationship Id="%s" Type="%s" Target="%s"/>' % r for r in rels)
        + "</Relationships>")
    members["xl/sharedStrings.xml"] = (
        '<sst xmlns="%s">%s</sst>' % (main, "".join("<si><t>%s</t></si>" % t for t in strings)))
    return zip_of(members)


# [MS-ONESTORE] §2.3.1: a .one section file starts with this file-type GUID
# {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}.
ONENOTE_GUID = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
# §2.6.13 FileDataStoreObject header {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}.
ONENOTE_FILEDATA_GUID = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")


def onenote(embedded=None):
    head = ONENOTE_GUID + b"\0" * 16 + bytes.fromhex("3fdd9a10 1b91f549 a5d01791 edc8aed8")
    head = head.ljust(1024, b"\0")
    if embedded is not None:
        head += (ONENOTE_FILEDATA_GUID + struct.pack("<Q", len(embedded)) + b"\0" * 12
                 + embedded + b"\0" * 8)
    return head


# A PE program: the DOS header's "MZ" and e_lfanew pointing at "PE\0\0".
PE = (b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x4c\x01"
      + b"\x00" * 200)


def gz(name, data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def tar_of(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1795000000
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def iso_of(members):
    """An ISO 9660 image (ECMA-119) holding files in its root directory, level 1 names
    (8.3, upper case, ";1" version)."""
    block = 2048
    files = list(members.items())
    first_file = 20
    extents, blk = [], first_file
    for _, data in files:
        extents.append(blk)
        blk += max(1, (len(data) + block - 1) // block)
    # libarchive reads 8 blocks past the system area before it bids: no smaller image.
    total = max(blk, 32)

    def both16(v):
        return struct.pack("<H", v) + struct.pack(">H", v)

    def both32(v):
        return struct.pack("<I", v) + struct.pack(">I", v)

    def record(name, extent, size, is_dir):
        ident = name
        length = 33 + len(ident) + (1 - len(ident) % 2)
        return (bytes([length, 0]) + both32(extent) + both32(size)
                + bytes([126, 11, 27, 10, 0, 0, 0]) + bytes([2 if is_dir else 0, 0, 0])
                + both16(1) + bytes([len(ident)]) + ident
                + (b"\0" if len(ident) % 2 == 0 else b""))

    root_extent = 18
    root = record(b"\0", root_extent, block, True) + record(b"\1", root_extent, block, True)
    for (name, data), extent in zip(files, extents):
        root += record(name.upper().encode() + b";1", extent, len(data), False)
    root = root.ljust(block, b"\0")
    # Path table (one entry, the root) at block 19, little-endian; big-endian after it.
    path_le = bytes([1, 0]) + struct.pack("<I", root_extent) + struct.pack("<H", 1) + b"\0\0"
    path_be = bytes([1, 0]) + struct.pack(">I", root_extent) + struct.pack(">H", 1) + b"\0\0"
    pvd = (b"\x01CD001\x01\x00" + b" " * 32 + b"FACTEUR".ljust(32) + b"\0" * 8
           + both32(total) + b"\0" * 32 + both16(1) + both16(1) + both16(block)
           + both32(len(path_le)) + struct.pack("<I", 19) + struct.pack("<I", 0)
           + struct.pack(">I", 19) + struct.pack(">I", 0)
           + record(b"\0", root_extent, block, True))
    pvd = pvd.ljust(813, b" ") + b"2026112710000000\0" * 4
    pvd = pvd.ljust(881, b"\0") + b"\x01"
    pvd = pvd.ljust(block, b"\0")
    term = b"\xffCD001\x01".ljust(block, b"\0")
    image = b"\0" * (16 * block) + pvd + term + root
    image += (path_le.ljust(block // 2, b"\0") + path_be.ljust(block // 2, b"\0"))
    for (_, data), extent in zip(files, extents):
        assert len(image) == extent * block
        image += data.ljust(max(1, (len(data) + block - 1) // block) * block, b"\0")
    return image.ljust(total * block, b"\0")

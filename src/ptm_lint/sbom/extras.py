"""Post-serialization edits: fields cyclonedx-python-lib cannot express, and reproducibility.

cyclonedx-python-lib 11.x has no `Component.model_card` / `Component.data` (CycloneDX 1.5+;
upstream issues #911-#913, PR #914), so they are added to the serialized document by bom-ref
(shared/reference/formats.md §4.4). Everything that does that lives here, so it can be replaced
by the library's own fields once it has them. The same pass sets `serialNumber` and
`metadata.timestamp` when the caller fixes them (reproducible builds).

The XML is our own output (never scanned input), parsed with the standard library.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

NS = {"1.6": "http://cyclonedx.org/schema/bom/1.6", "1.7": "http://cyclonedx.org/schema/bom/1.7"}
KEEP = object()  # leave the library's value
DROP = None  # remove the field

# XSD component sequence: modelCard and data come after these and before what follows them.
_AFTER_MODEL_CARD = ("data", "cryptoProperties", "tags", "signature")
_AFTER_DATA = ("cryptoProperties", "tags", "signature")
_MODEL_PARAMETERS_ORDER = ("approach", "task", "architectureFamily", "modelArchitecture", "datasets",
                           "inputs", "outputs")


# ----------------------------------------------------------------------------------------- JSON


def _walk_json(components: list[dict[str, Any]]):
    for component in components:
        yield component
        yield from _walk_json(component.get("components", []))


def edit_json(text: str, model_cards: dict[str, dict], component_data: dict[str, list[dict]],
              serial_number: Any = KEEP, timestamp: Any = KEEP) -> str:
    doc = json.loads(text)
    for component in _walk_json(doc.get("components", [])):
        occurrences = component.get("evidence", {}).get("occurrences")
        if occurrences:
            occurrences.sort(key=_occurrence_key)
        ref = component.get("bom-ref")
        if ref in model_cards:
            component["modelCard"] = model_cards[ref]
        if ref in component_data:
            component["data"] = component_data[ref]
    if serial_number is not KEEP:
        if serial_number is DROP:
            doc.pop("serialNumber", None)
        else:
            doc["serialNumber"] = serial_number
    if timestamp is not KEEP:
        metadata = doc.setdefault("metadata", {})
        if timestamp is DROP:
            metadata.pop("timestamp", None)
        else:
            metadata["timestamp"] = timestamp
    return json.dumps(_ordered(doc), indent=2, ensure_ascii=False) + "\n"


def _occurrence_key(item: dict[str, Any]) -> tuple[Any, ...]:
    # The library keeps occurrences in a SortedSet whose order is not stable for occurrences without
    # a bom-ref (their BomRef compares by identity): sort them here, by file and position.
    return (item.get("location", ""), item.get("line", 0), item.get("additionalContext", ""), item.get("symbol", ""))


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    """The identifying header first, then the library's (already sorted) body."""
    head = ("$schema", "bomFormat", "specVersion", "serialNumber", "version")
    out = {k: doc[k] for k in head if k in doc}
    out.update((k, v) for k, v in doc.items() if k not in out)
    return out


# ------------------------------------------------------------------------------------------ XML


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _insert_before(parent: ET.Element, child: ET.Element, before: tuple[str, ...], ns: str) -> None:
    names = {_q(ns, t) for t in before}
    for index, existing in enumerate(list(parent)):
        if existing.tag in names:
            parent.insert(index, child)
            return
    parent.append(child)


def _xml_value(parent: ET.Element, tag: str, value: Any, ns: str) -> None:
    """Append JSON `value` under `tag` following CycloneDX's JSON→XML conventions we need."""
    if tag == "datasets":
        element = ET.SubElement(parent, _q(ns, "datasets"))
        for item in value:
            if "ref" in item:
                ET.SubElement(element, _q(ns, "ref")).text = item["ref"]
            else:
                _component_data(element, item, ns, tag="dataset")
        return
    if tag in ("inputs", "outputs"):
        element = ET.SubElement(parent, _q(ns, tag))
        for item in value:
            one = ET.SubElement(element, _q(ns, tag[:-1]))
            ET.SubElement(one, _q(ns, "format")).text = item["format"]
        return
    if tag == "approach":
        element = ET.SubElement(parent, _q(ns, "approach"))
        if "type" in value:
            ET.SubElement(element, _q(ns, "type")).text = value["type"]
        return
    ET.SubElement(parent, _q(ns, tag)).text = str(value)


def _model_card(card: dict[str, Any], ns: str) -> ET.Element:
    element = ET.Element(_q(ns, "modelCard"))
    params = card.get("modelParameters")
    if params:
        node = ET.SubElement(element, _q(ns, "modelParameters"))
        for key in _MODEL_PARAMETERS_ORDER:
            if key in params:
                _xml_value(node, key, params[key], ns)
    return element


def _component_data(parent: ET.Element | None, item: dict[str, Any], ns: str, tag: str = "data") -> ET.Element:
    element = ET.Element(_q(ns, tag)) if parent is None else ET.SubElement(parent, _q(ns, tag))
    if "bom-ref" in item:
        element.set("bom-ref", item["bom-ref"])
    ET.SubElement(element, _q(ns, "type")).text = item["type"]
    if "name" in item:
        ET.SubElement(element, _q(ns, "name")).text = item["name"]
    contents = item.get("contents")
    if contents and "url" in contents:
        node = ET.SubElement(element, _q(ns, "contents"))
        ET.SubElement(node, _q(ns, "url")).text = contents["url"]
    if "description" in item:
        ET.SubElement(element, _q(ns, "description")).text = item["description"]
    return element


def _xml_fields(element: ET.Element, ns: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("location", "line", "symbol", "additionalContext"):
        child = element.find(_q(ns, name))
        if child is not None and child.text is not None:
            out[name] = int(child.text) if name == "line" else child.text
    return out


def edit_xml(text: str, spec_version: str, model_cards: dict[str, dict], component_data: dict[str, list[dict]],
             serial_number: Any = KEEP, timestamp: Any = KEEP) -> str:
    ns = NS[spec_version]
    ET.register_namespace("", ns)
    root = ET.fromstring(text)
    for occurrences in root.iter(_q(ns, "occurrences")):
        items = list(occurrences)
        for item in items:
            occurrences.remove(item)
        for item in sorted(items, key=lambda e: _occurrence_key(_xml_fields(e, ns))):
            occurrences.append(item)
    for component in root.iter(_q(ns, "component")):
        ref = component.get("bom-ref")
        if ref in model_cards:
            _insert_before(component, _model_card(model_cards[ref], ns), _AFTER_MODEL_CARD, ns)
        for item in component_data.get(ref, ()):
            _insert_before(component, _component_data(None, item, ns), _AFTER_DATA, ns)
    if serial_number is not KEEP:
        if serial_number is DROP:
            root.attrib.pop("serialNumber", None)
        else:
            root.set("serialNumber", serial_number)
    if timestamp is not KEEP:
        metadata = root.find(_q(ns, "metadata"))
        if metadata is None:
            metadata = ET.Element(_q(ns, "metadata"))
            root.insert(0, metadata)
        current = metadata.find(_q(ns, "timestamp"))
        if timestamp is DROP:
            if current is not None:
                metadata.remove(current)
        else:
            if current is None:
                current = ET.Element(_q(ns, "timestamp"))
                metadata.insert(0, current)  # timestamp is the first element of metadata
            current.text = timestamp
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

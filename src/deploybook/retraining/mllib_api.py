"""What MLlib's JVM classes declare, read from the pyspark installation's JAR files.

The essay's ``RandomForestClassifier.addTo`` is checked against the class files themselves
(the JVM specification's class-file format: constant pool, then fields, then methods), so the
check needs no JVM in this process and runs the same on Spark Connect.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pyspark

JARS = Path(pyspark.__file__).parent / "jars"
_SKIP = {3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2}
_SKIP.update({17: 4, 18: 4, 19: 2, 20: 2})


def _u2(data: bytes, at: int) -> int:
    return int(struct.unpack_from(">H", data, at)[0])


def _skip_members(data: bytes, at: int) -> int:
    """Skip a fields table; the position after it."""
    count, at = _u2(data, at), at + 2
    for _ in range(count):
        at += 6
        attributes, at = _u2(data, at), at + 2
        for _ in range(attributes):
            at += 2 + 4 + int(struct.unpack_from(">I", data, at + 2)[0])
    return at


def declared(data: bytes) -> tuple[set[str], str | None]:
    """The method names a class file declares, and its superclass (dotted), if any."""
    if data[:4] != b"\xca\xfe\xba\xbe":
        raise ValueError("not a Java class file")
    count, at = _u2(data, 8), 10
    pool: dict[int, object] = {}
    index = 1
    while index < count:
        tag, at = data[at], at + 1
        if tag == 1:  # UTF-8 text
            length = _u2(data, at)
            pool[index] = data[at + 2 : at + 2 + length].decode("utf-8", "replace")
            at += 2 + length
        elif tag == 7:  # a class: index of its name
            pool[index] = _u2(data, at)
            at += 2
        elif tag in _SKIP:
            at += _SKIP[tag]
        else:
            raise ValueError(f"unknown constant pool tag {tag}")
        index += 2 if tag in (5, 6) else 1  # longs and doubles take two slots
    super_index = _u2(data, at + 4)
    interfaces = _u2(data, at + 6)
    at = _skip_members(data, at + 8 + 2 * interfaces)
    methods, at = _u2(data, at), at + 2
    names = set()
    for _ in range(methods):
        names.add(str(pool[_u2(data, at + 2)]))
        at += 6
        attributes, at = _u2(data, at), at + 2
        for _ in range(attributes):
            at += 6 + int(struct.unpack_from(">I", data, at + 2)[0])
    parent = str(pool[pool[super_index]]).replace("/", ".") if super_index else None  # type: ignore[index]
    return names, parent


def methods(class_name: str, jars: Path = JARS) -> set[str]:
    """Method names of a JVM class and of its superclasses in Spark's own JARs in ``jars``."""
    archives = [zipfile.ZipFile(jar) for jar in sorted(jars.glob("spark-*.jar"))]
    try:
        found: set[str] = set()
        current: str | None = class_name
        while current is not None:
            entry = current.replace(".", "/") + ".class"
            holder = next((a for a in archives if entry in a.NameToInfo), None)
            if holder is None:
                if current == class_name:
                    raise LookupError(f"no class {class_name} in {jars}")
                break  # a JDK class (java.lang.Object): not in Spark's JARs
            names, current = declared(holder.read(entry))
            found |= names
        return found
    finally:
        for archive in archives:
            archive.close()

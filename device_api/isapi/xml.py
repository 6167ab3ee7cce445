"""Reading ISAPI XML safely and without caring for namespaces.

Real devices put their documents in one of several namespaces (hikvision.com, isapi.org,
psialliance, std-cgi, ...), sometimes different ones per endpoint on the same device, so
elements are matched on their local names only. defusedxml refuses entity tricks.
"""

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from device_api.errors import NotIsapi


def parse(body: bytes) -> Element:
    """The root element; `NotIsapi` when the body is not well-formed, harmless XML."""
    try:
        return fromstring(body)
    except (ParseError, DefusedXmlException) as error:
        raise NotIsapi("the device answered something that is not ISAPI XML") from error


def local_name(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local_name(child) == name]


def child(element: Element, name: str) -> Element | None:
    found = children(element, name)
    return found[0] if found else None


def text(element: Element, name: str) -> str | None:
    """The stripped text of the first child called `name`; None when there is none."""
    found = child(element, name)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def looks_like_xml(body: bytes) -> bool:
    """Whether the body is meant as XML (a web page is not), before parsing it."""
    start = body.removeprefix(b"\xef\xbb\xbf").lstrip()[:15].lower()  # some firmware sends a BOM
    return start.startswith(b"<") and not start.startswith((b"<!doctype html", b"<html"))

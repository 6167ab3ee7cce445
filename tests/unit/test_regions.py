from sharing.people.regions import guess_region, region_flag, region_name, search_regions


def test_guess_prefers_phone_then_language_then_default() -> None:
    assert guess_region(phone="+4930123456", language_code="fr", default="GB") == "DE"
    assert guess_region(phone="+447700900123", language_code="en") == "GB"  # unassigned range
    assert guess_region(phone="+12025550123", language_code="de") == "US"
    assert guess_region(phone="+99912345", language_code="de") == "DE"  # no such country code
    assert guess_region(language_code="pt-br", default="GB") == "BR"
    assert guess_region(language_code="de") == "DE"
    assert guess_region(language_code="zz", default="GB") == "GB"
    assert guess_region() is None


def test_search_by_code_alias_and_name() -> None:
    assert search_regions("de")[0] == "DE"
    assert search_regions("UK")[0] == "GB"
    assert search_regions("germ") == ["DE"]
    assert "US" in search_regions("united")
    assert search_regions("  ") == []


def test_names_and_flags() -> None:
    assert region_name("DE") == "Germany"
    assert region_flag("DE") == "🇩🇪"

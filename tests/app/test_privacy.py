"""Masking phone and ID numbers, and the diacritic-free search copy."""

import pytest

from feedback_app.privacy import mask_personal_numbers, mask_phone, normalise_for_search


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("0912345678", "091*****78"),
        ("0912 345 678", "091*****78"),
        ("0912.345.678", "091*****78"),
        ("0912-345-678", "091*****78"),
        ("  0912345678 ", "091*****78"),
        ("+84 912 345 678", "+849******78"),
        ("+84912345678", "+849******78"),
        ("(024) 3825 1234", "024******34"),
        ("12345", "*****"),  # too short to show 3 + 2 digits without showing it all
        (None, ""),
        ("", ""),
    ],
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # CCCD: 12 digits
        ("CCCD 001203004567", "CCCD 001*******67"),
        ("CCCD: 001203004567.", "CCCD: 001*******67."),
        ("số 001 203 004 567 cấp ngày", "số 001 *** *** *67 cấp ngày"),
        ("0012 0300 4567", "001* **** **67"),
        # CMND: 9 digits
        ("CMND 123456789", "CMND 123****89"),
        ("(CMND: 023456789)", "(CMND: 023****89)"),
        # mobile, national: 0 + 9 digits, with or without separators
        ("SĐT 0912345678 nhé", "SĐT 091*****78 nhé"),
        ("gọi 0912 345 678", "gọi 091* *** *78"),
        ("gọi 0912.345.678", "gọi 091*.***.*78"),
        ("gọi 0912-345-678", "gọi 091*-***-*78"),
        ("gọi 091 234 5678", "gọi 091 *** **78"),
        ("gọi 0912 34 56 78", "gọi 091* ** ** 78"),
        ("0912345678.", "091*****78."),
        ("SĐT:0912345678", "SĐT:091*****78"),
        # international: +84, (+84) or 84 followed by 9 digits
        ("+84 912 345 678", "+84 9** *** *78"),
        ("+84912345678", "+849******78"),
        ("+84-912-345-678", "+84-9**-***-*78"),
        ("(+84) 912 345 678", "(+84) 9** *** *78"),
        ("ĐT(+84)912345678", "ĐT(+84)9******78"),
        ("84912345678", "849******78"),
        ("84 912 345 678", "84 9** *** *78"),
        ("+84 0912 345 678", "+84 0*** *** *78"),
        # landlines: 11 digits
        ("024 3825 1234", "024 **** **34"),
        ("(024) 3825 1234", "(024) **** **34"),
        ("02438251234", "024******34"),
        ("+84 24 3825 1234", "+84 2* **** **34"),
        # several numbers, next to figures that are not part of them
        ("0912345678, 0987654321", "091*****78, 098*****21"),
        ("0912345678,0987654321", "091*****78,098*****21"),
        ("0912345678/0987654321", "091*****78/098*****21"),
        ("0912345678-0987654321", "091*****78-098*****21"),
        ("SĐT 0912345678 2 lần", "SĐT 091*****78 2 lần"),
        ("SĐT 0912 345 678 12 lần", "SĐT 091* *** *78 12 lần"),
        ("lần 2 0912345678", "lần 2 091*****78"),
        (
            "Ông A (CCCD 001203004567, ĐT 0912345678) phản ánh.",
            "Ông A (CCCD 001*******67, ĐT 091*****78) phản ánh.",
        ),
        # glued to a label: still a personal number (published text must never show one)
        ("CCCD001203004567", "CCCD001*******67"),
        ("SĐT0912345678", "SĐT091*****78"),
        ("HS0912345678", "HS091*****78"),
        # other scripts' digits, other spaces and dashes: found, and masked in place
        ("０９１２３４５６７８", "０９１*****７８"),
        ("0912\u00a0345\u00a0678", "091*\u00a0***\u00a0*78"),
        ("0912–345–678", "091*–***–*78"),
        ("0912\t345\t678", "091*\t***\t*78"),
        # other groupings
        ("0912/345/678", "091*/***/*78"),
        ("0912  345 678", "091*  *** *78"),
        ("001234 567890", "001*** ****90"),
        ("001-234.567-890", "001-***.***-*90"),
        ("(0912) 345 678", "(091*) *** *78"),
        ("09 12 34 56 78", "09 1* ** ** 78"),
        ("0084912345678", "008********78"),
        ("+84 (0) 912 345 678", "+84 (0) *** *** *78"),
        ("84-912-345-678", "84-9**-***-*78"),
    ],
)
def test_personal_numbers_are_masked(text, masked):
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        # dates and times
        "ngày 12/03/2024",
        "ngày 12-03-2024",
        "ngày 01.03.2024 10 giờ",
        "lúc 10:30 ngày 2024-03-12",
        # amounts
        "1.500.000 đồng",
        "lệ phí 1500000 đồng",
        "1,500,000 VND",
        "150000000 đồng",
        "123456789 VNĐ",
        "15.000.000.000 đồng",
        "1.000.000.000.000 đồng",
        "84.912.345.678",
        # dossier codes and tracking codes
        "hồ sơ 000.00.22.H26-240312-0001",
        "000.00.22.H26-240312-0001",
        "mã tra cứu K7M2Q9XA",
        "mã tra cứu 12345678",
        # numbers of the wrong length
        "số 1234567890",
        "số 12345678901234",
        "0912345",
        "1 2 3 4 5 6 7 8 9 0",
        "3.123456789",
        # nothing to mask
        "",
        "Cán bộ tiếp nhận nhiệt tình, hướng dẫn rõ ràng.",
    ],
)
def test_other_figures_are_left_alone(text):
    assert mask_personal_numbers(text) == text


def test_a_whole_slip_keeps_everything_but_the_personal_numbers():
    text = (
        "Ngày 12/03/2024 tôi nộp hồ sơ 000.00.22.H26-240312-0001, lệ phí 1.500.000 đồng, "
        "mã tra cứu K7M2Q9XA. Liên hệ 0912 345 678 hoặc +84 987 654 321, CCCD 001203004567."
    )
    assert mask_personal_numbers(text) == (
        "Ngày 12/03/2024 tôi nộp hồ sơ 000.00.22.H26-240312-0001, lệ phí 1.500.000 đồng, "
        "mã tra cứu K7M2Q9XA. Liên hệ 091* *** *78 hoặc +84 9** *** *21, CCCD 001*******67."
    )


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Phường Đống Đa", "phuong dong da"),
        ("  Thái độ   cán bộ\tkhông\nnhiệt tình ", "thai do can bo khong nhiet tinh"),
        ("ĐĂNG KÝ KHAI SINH", "dang ky khai sinh"),
        ("Ưu tiên người cao tuổi", "uu tien nguoi cao tuoi"),
        ("Thủ tục hành chính", "thu tuc hanh chinh"),
        (
            "ơ ờ ở ỡ ợ ư ừ ứ ự ữ ử ă ắ ằ ẳ ẵ ặ â ấ ầ ẩ ẫ ậ",
            "o o o o o u u u u u u a a a a a a a a a a a a",
        ),
        # already decomposed input (some keyboards send NFD) gives the same result
        ("Nguye\u0302\u0303n Va\u0306n A", "nguyen van a"),
        ("hồ sơ 000.00.22.H26-240312-0001", "ho so 000.00.22.h26-240312-0001"),
        ("", ""),
    ],
)
def test_normalise_for_search(text, normalised):
    assert normalise_for_search(text) == normalised


def test_query_and_stored_copy_compare_alike():
    stored = normalise_for_search("Cán bộ Phường Thượng Đình giải quyết chậm")
    for query in ("thượng đình", "THUONG DINH", "Thuong  Đinh"):
        assert normalise_for_search(query) in stored

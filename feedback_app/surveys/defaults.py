"""The default instrument: SIPAS factors F1–F5, Thông tư 01/2018 indices 3 and 4, overall.

Texts are data (Vietnamese and English side by side), not catalogue strings: an instrument
version keeps the exact words citizens saw.
"""

DEFAULT_CODE = "sipas-tt01"

LIKERT_LABELS = {
    5: ("Rất hài lòng", "Very satisfied"),
    4: ("Hài lòng", "Satisfied"),
    3: ("Bình thường", "Neutral"),
    2: ("Không hài lòng", "Dissatisfied"),
    1: ("Rất không hài lòng", "Very dissatisfied"),
}
NO_OPINION = "no_opinion"
NO_OPINION_LABELS = ("Không có ý kiến", "No opinion")
YES_NO_OPTIONS = [
    {"code": "yes", "points": 1, "label_vi": "Có", "label_en": "Yes"},
    {"code": "no", "points": 0, "label_vi": "Không", "label_en": "No"},
]

# The question whose answer is a phone number: kept only on the case it opens, never as an answer.
REPLY_PHONE = "reply_phone"
WANT_REPLY = "want_reply"
COMMENT = "comment"
OVERALL = "overall"
# The reasons behind a low overall rating (multi_choice): what the quick kiosk asks after 1–2.
REASONS = "reasons"
REASON_OPTIONS = [
    {"code": "attitude", "points": None, "label_vi": "Thái độ", "label_en": "Attitude"},
    {"code": "wait_time", "points": None, "label_vi": "Thời gian chờ", "label_en": "Waiting time"},
    {
        "code": "procedure",
        "points": None,
        "label_vi": "Thủ tục, giấy tờ",
        "label_en": "Procedure and papers",
    },
    {"code": "guidance", "points": None, "label_vi": "Hướng dẫn", "label_en": "Guidance"},
    {
        "code": "facilities",
        "points": None,
        "label_vi": "Cơ sở vật chất",
        "label_en": "Premises and equipment",
    },
    {"code": "other", "points": None, "label_vi": "Khác", "label_en": "Something else"},
]

DEFAULT_INSTRUMENT = {
    "code": DEFAULT_CODE,
    "title_vi": "Phiếu đánh giá mức độ hài lòng",
    "title_en": "How satisfied were you?",
    "questions": [
        {
            "code": "f1_access",
            "kind": "likert5",
            "factor": "F1",
            "required": True,
            "allows_no_opinion": True,
            "text_vi": "Nơi ngồi chờ và trang thiết bị phục vụ tại Bộ phận Một cửa",
            "text_en": "The waiting area and the equipment at the desk",
        },
        {
            "code": "f2_procedure",
            "kind": "likert5",
            "factor": "F2",
            "required": True,
            "allows_no_opinion": True,
            "text_vi": "Thủ tục hành chính được niêm yết công khai, đầy đủ, dễ hiểu",
            "text_en": "The procedure was published, complete and easy to understand",
        },
        {
            "code": "f3_officer",
            "kind": "likert5",
            "factor": "F3",
            "required": True,
            "allows_no_opinion": False,
            "text_vi": "Thái độ và sự hướng dẫn của công chức tiếp nhận hồ sơ",
            "text_en": "The officer's attitude and guidance",
        },
        {
            "code": "f4_result",
            "kind": "likert5",
            "factor": "F4",
            "required": True,
            "allows_no_opinion": True,
            "text_vi": "Kết quả được trả đúng hẹn, đầy đủ, chính xác",
            "text_en": "The result was on time, complete and correct",
        },
        {
            "code": "f5_feedback",
            "kind": "likert5",
            "factor": "F5",
            "required": False,
            "allows_no_opinion": True,
            "text_vi": "Việc tiếp nhận và xử lý ý kiến góp ý, phản ánh",
            "text_en": "How comments and complaints are received and handled",
        },
        {
            "code": "tt01_returns",
            "kind": "choice_scored",
            "tt01_index": 3,
            "required": False,
            "text_vi": "Ông/bà phải đến bao nhiêu lần để hoàn thiện hồ sơ?",
            "text_en": "How many times did you have to come back to complete your dossier?",
            "options": [
                {"code": "none", "points": 2, "label_vi": "Không lần nào", "label_en": "Never"},
                {"code": "once", "points": 1, "label_vi": "Một lần", "label_en": "Once"},
                {
                    "code": "more",
                    "points": 0,
                    "label_vi": "Nhiều lần",
                    "label_en": "More than once",
                },
            ],
        },
        {
            "code": "tt01_offices",
            "kind": "choice_scored",
            "tt01_index": 4,
            "required": False,
            "text_vi": "Ngoài Bộ phận Một cửa, ông/bà phải liên hệ thêm bao nhiêu cơ quan?",
            "text_en": "Besides the desk, how many offices did you have to contact?",
            "options": [
                {"code": "none", "points": 2, "label_vi": "Không cơ quan nào", "label_en": "None"},
                {"code": "one", "points": 1, "label_vi": "Một cơ quan", "label_en": "One"},
                {"code": "more", "points": 0, "label_vi": "Nhiều cơ quan", "label_en": "Several"},
            ],
        },
        {
            "code": OVERALL,
            "kind": "likert5",
            "factor": "overall",
            "required": True,
            "allows_no_opinion": False,
            "text_vi": "Nhìn chung, ông/bà hài lòng với việc giải quyết hồ sơ hôm nay ở mức nào?",
            "text_en": "Overall, how satisfied are you with today's service?",
        },
        {
            "code": REASONS,
            "kind": "multi_choice",
            "required": False,
            "text_vi": "Điều gì chưa tốt?",
            "text_en": "What was not good?",
            "options": REASON_OPTIONS,
        },
        {
            "code": COMMENT,
            "kind": "text",
            "required": False,
            "max_length": 1000,
            "text_vi": "Ý kiến khác của ông/bà (không bắt buộc)",
            "text_en": "Anything else you want to tell us (optional)",
        },
        {
            "code": WANT_REPLY,
            "kind": "yes_no",
            "required": False,
            "text_vi": "Ông/bà có muốn nhận trả lời về ý kiến của mình không?",
            "text_en": "Would you like an answer to your comment?",
            "options": YES_NO_OPTIONS,
        },
        {
            "code": REPLY_PHONE,
            "kind": "text",
            "required": False,
            "max_length": 20,
            "text_vi": (
                "Số điện thoại để nhận trả lời. Số này chỉ dùng để trả lời ý kiến của ông/bà "
                "và được xóa khi hết thời hạn lưu trữ."
            ),
            "text_en": (
                "Phone number for the answer. It is used only to answer your comment and is "
                "deleted when the retention period ends."
            ),
        },
    ],
}

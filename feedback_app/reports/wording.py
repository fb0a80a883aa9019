"""Vietnamese names that the filed documents (the DOCX report and the XLSX annex) share.

The documents are Vietnamese whatever the reader's language, so these are literal texts, not
Babel messages; one table each, so the report and its annex always name a channel or a kind of
case the same way.
"""

RESPONSE_CHANNELS = {
    "kiosk": "Máy tính bảng tại quầy",
    "paper": "Phiếu giấy",
    "web": "Khảo sát trực tuyến",
    "sms": "Tin nhắn SMS",
    "ivr": "Tổng đài tự động",
}

CASE_CHANNELS = {
    "walk_in": "Trực tiếp tại Bộ phận Một cửa",
    "box": "Hòm thư góp ý",
    "book": "Sổ góp ý",
    "hotline_call": "Cuộc gọi đường dây nóng",
    "hotline_sms": "Tin nhắn SMS",
    "kiosk_comment": "Ý kiến qua máy tính bảng",
    "web": "Trang web",
}

# Lower-case, as running text uses them; a table heading capitalises them.
CASE_KINDS = {
    "feedback": "phản ánh",
    "proposal": "kiến nghị",
    "suggestion": "góp ý",
    "question": "hỏi đáp",
    "praise": "khen ngợi",
    "complaint": "khiếu nại",
    "denunciation": "tố cáo",
}

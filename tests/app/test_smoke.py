"""A first look: the app starts, pages render, sign-in works."""

from tests.conftest import login


def test_login_page_is_vietnamese_by_default(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.get_data(as_text=True)


def test_admin_signs_in_and_sees_home(client, district):
    response = login(client, "admin")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "/auth/users" in home.get_data(as_text=True)

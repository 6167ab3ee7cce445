"""python-telegram-bot's network seam, answered by the fake Bot API instead of Telegram."""

from telegram.request import BaseRequest, RequestData

from tests.harness.bot_api import FakeBotApi
from tests.harness.wire import Upload


class FakeRequest(BaseRequest):
    """A `BaseRequest` that hands each request to a `FakeBotApi`, encoded as on the wire.

    Give the same instance to `ApplicationBuilder.request` and `.get_updates_request`.
    """

    __slots__ = ("api",)

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return None  # the fake answers at once

    async def initialize(self) -> None:
        """Nothing to open: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to close: there is no connection."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is None:
            response = self.api.serve(url)
        else:
            await self.api.wait_while_held(request_data.json_parameters)
            uploads = {
                name: Upload(
                    content if isinstance(content, bytes) else content.read(), file_name, mime_type
                )
                for name, (file_name, content, mime_type) in request_data.multipart_data.items()
            }
            response = self.api.serve(url, request_data.json_parameters, uploads)
        return response.status, response.body

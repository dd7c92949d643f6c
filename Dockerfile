# The LLInC bot: slim image, non-root user. Build: docker build -t llinc-bot .
# The bot is installed as a wheel (prompts inside it); no source tree in the final image.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY prompts ./prompts
RUN pip install --no-cache-dir --prefix=/install ".[openai]"

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 DATA_DIR=/data
RUN useradd --create-home --uid 10001 llinc && mkdir /data && chown llinc /data
COPY --from=build /install /usr/local
USER llinc
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["llinc"]
CMD ["telegram"]

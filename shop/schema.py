"""Keep the OpenAPI schema honest about errors: every operation documents the error answers it
can really give (drf-spectacular post-processing hook), in one shared error shape."""

ERROR = {
    "type": "object",
    "description": "A business error has a `code`; validation errors are field messages instead.",
    "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Bad input: field messages, or a code",
    "401": "Credentials needed",
    "403": "Not allowed",
    "404": "Not found",
    "409": "A business rule said no (a code, e.g. insufficient_stock)",
    "413": "Request body too large",
    "429": "Too many requests from this address (see Retry-After)",
    "503": "A service the shop depends on is unavailable; nothing was changed",
}
LIMITED = ("/api/orders/", "/api/publications/{isbn}/comments/")


def _errors_for(path: str, method: str, operation: dict) -> list[str]:
    codes = ["400", "404"] if ("parameters" in operation or "requestBody" in operation or "{" in path) else []
    if operation.get("security") and {} not in operation["security"]:
        codes += ["401", "403"]
    if method in ("post", "patch", "put"):
        codes += ["409", "413"]
    if path.startswith(LIMITED):
        codes.append("429")
    if path.startswith("/api/orders/"):
        codes.append("503")
    return codes


def document_errors(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _errors_for(path, method, operation):
                responses.setdefault(
                    code,
                    {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                )
    return result

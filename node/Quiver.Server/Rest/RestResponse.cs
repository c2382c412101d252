using System.Text.Json.Nodes;

namespace Quiver.Rest;

/// <summary>Milvus's REST v2 envelope: <c>{"code": 0, "data": …}</c> on success, <c>{"code": merr, "message": …}</c> on failure (HTTP 200 either way).</summary>
public sealed record RestResponse(int Code, JsonNode? Data, string? Message = null, IReadOnlyList<int>? Topks = null)
{
    public static RestResponse Ok(JsonNode? data) => new(0, data ?? new JsonObject());

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["code"] = Code };
        if (Code == 0) o["data"] = Data;
        if (Message != null) o["message"] = Message;
        if (Topks != null) o["topks"] = new JsonArray(Topks.Select(t => (JsonNode?)t).ToArray());
        return o;
    }
}

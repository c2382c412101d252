using Quiver.Node.Proxy;

namespace Quiver.Server.Milvus;

/// <summary>Cuts an <see cref="InsertData"/> into row ranges (flat vector columns are cut by their row width).</summary>
internal static class InsertBatches
{
    public static InsertData Slice(InsertData data, int start, int count)
    {
        var slice = new InsertData(count);
        foreach (var (name, (values, valid)) in data.Columns)
        {
            int width = data.RowCount == 0 ? 1 : values.Length / data.RowCount;
            var part = Array.CreateInstance(values.GetType().GetElementType()!, count * width);
            Array.Copy(values, (long)start * width, part, 0, (long)count * width);
            slice.Column(name, part, valid?[start..(start + count)]);
        }
        if (data.DynamicFields is { } dynamic) slice.Dynamic(dynamic[start..(start + count)]);
        return slice;
    }
}

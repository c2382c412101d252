using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Segments;

/// <summary>
/// The list of a sealed segment's files with their sizes and CRC-32Cs. It is written last, after every file
/// it names is durable, so a segment without a manifest is an unfinished flush and is ignored; readers check
/// each file against it. Stored as UTF-8 JSON followed by one line <c>crc32c=XXXXXXXX</c> over the JSON bytes.
/// </summary>
public sealed record SegmentManifest(long CollectionId, long PartitionId, long SegmentId, long Rows, IReadOnlyList<SegmentFileInfo> Files)
{
    public const string FileName = "manifest.json";
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private sealed record Document(int Format, long CollectionId, long PartitionId, long SegmentId, long Rows, SegmentFileInfo[] Files);

    public byte[] Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Document(FormatVersion, CollectionId, PartitionId, SegmentId, Rows, Files.ToArray()), Json);
        var trailer = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\ncrc32c={Crc32C.Compute(json):X8}\n"));
        return [.. json, .. trailer];
    }

    public static SegmentManifest Decode(ReadOnlySpan<byte> bytes, string source = "manifest")
    {
        int cut = bytes.LastIndexOf("\ncrc32c="u8);
        if (cut < 0) throw new InvalidDataException($"{source}: no checksum line; the manifest is incomplete");
        var json = bytes[..cut];
        var line = Encoding.ASCII.GetString(bytes[(cut + 8)..]).Trim();
        if (!uint.TryParse(line, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint stored) || stored != Crc32C.Compute(json))
            throw new InvalidDataException($"{source}: CRC-32C mismatch, the manifest is corrupt");
        Document? doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: unreadable JSON ({e.Message})", e);
        }
        if (doc is null) throw new InvalidDataException($"{source}: empty manifest");
        if (doc.Format != FormatVersion) throw new InvalidDataException($"{source}: manifest format {doc.Format} is not understood (this build reads {FormatVersion})");
        return new SegmentManifest(doc.CollectionId, doc.PartitionId, doc.SegmentId, doc.Rows, doc.Files);
    }

    /// <summary>Writes the manifest into <paramref name="directory"/> (temp, fsync, rename, directory fsync).</summary>
    public void Write(string directory)
    {
        ObjectStore.AtomicFile.WriteAllBytes(Path.Combine(directory, FileName), Encode());
    }

    public static SegmentManifest Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"segment folder {directory} has no {FileName}: the segment was never completely written", path);
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>The manifest's record of a file, by name.</summary>
    public SegmentFileInfo this[string name] =>
        Files.FirstOrDefault(f => f.Name == name) ?? throw new KeyNotFoundException($"manifest of segment {SegmentId} lists no file '{name}'");
}

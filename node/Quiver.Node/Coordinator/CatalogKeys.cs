using System.Globalization;

namespace Quiver.Node.Coordinator;

/// <summary>The catalog's keys under <see cref="CoordinatorKeys.CatalogPrefix"/> (README.md, "Key layout").</summary>
internal sealed class CatalogKeys(string root)
{
    public const string DatabasesDir = "databases/";
    public const string CollectionsDir = "collections/";
    public const string AliasesDir = "aliases/";
    public const string IndexesDir = "indexes/";
    public const string EpochName = "epoch";

    public string Prefix { get; } = CoordinatorKeys.CatalogPrefix(root);

    public string Epoch => Prefix + EpochName;

    public string Database(long dbId) => $"{Prefix}{DatabasesDir}{Id(dbId)}";

    public string Collection(long dbId, long collectionId) => $"{Prefix}{CollectionsDir}{Id(dbId)}/{Id(collectionId)}";

    public string Alias(long collectionId, string alias) => $"{AliasesOf(collectionId)}{alias}";

    /// <summary>Every alias of a collection (aliases are keyed by their collection so a drop removes them with one prefix delete).</summary>
    public string AliasesOf(long collectionId) => $"{Prefix}{AliasesDir}{Id(collectionId)}/";

    public string Index(long collectionId, long indexId) => $"{IndexesOf(collectionId)}{Id(indexId)}";

    public string IndexesOf(long collectionId) => $"{Prefix}{IndexesDir}{Id(collectionId)}/";

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}

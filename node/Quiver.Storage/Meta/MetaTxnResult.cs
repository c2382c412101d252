namespace Quiver.Storage.Meta;

/// <summary>The outcome of <see cref="IMetaStore.TxnAsync"/>.</summary>
/// <param name="Succeeded">True when every comparison held and the success branch ran.</param>
/// <param name="Revision">
/// The store's revision after the transaction: the revision of its writes, or the unchanged current
/// revision when the branch that ran wrote nothing.
/// </param>
public readonly record struct MetaTxnResult(bool Succeeded, long Revision);

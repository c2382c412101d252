namespace Quiver.Kernel.Gpu;

/// <summary>
/// Thrown when a device allocation would pass the device's memory budget (<see cref="GpuDevice.MaxBytes"/>)
/// or the accelerator itself refuses it. Nothing was allocated; the device stays usable.
/// </summary>
public sealed class GpuOutOfMemoryException : Exception
{
    public GpuOutOfMemoryException(string what, long neededBytes, long availableBytes, long budgetBytes, Exception? inner = null)
        : base($"GPU memory budget exceeded allocating {what}: {neededBytes:N0} bytes needed, {availableBytes:N0} of the {budgetBytes:N0}-byte budget available. "
            + "Raise the budget (gpu max_bytes) if the device has room, or load less data onto it.", inner)
    {
        What = what;
        NeededBytes = neededBytes;
        AvailableBytes = availableBytes;
        BudgetBytes = budgetBytes;
    }

    /// <summary>What was being allocated.</summary>
    public string What { get; }

    /// <summary>Bytes the allocation needed.</summary>
    public long NeededBytes { get; }

    /// <summary>Bytes left in the budget when it was refused.</summary>
    public long AvailableBytes { get; }

    /// <summary>The device's budget.</summary>
    public long BudgetBytes { get; }
}

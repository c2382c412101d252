namespace Quiver.Bench.Kernels;

/// <summary>What one benchmark method measures, as it appears in the JSON line.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class KernelRowAttribute(string kernel, string type, string form, string path) : Attribute
{
    public string Kernel { get; } = kernel;
    public string Type { get; } = type;
    public string Form { get; } = form;
    public string Path { get; } = path;
}

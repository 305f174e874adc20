using Xunit;
using MLNet.Extensions.Kernels;

namespace MLNet.Extensions.TestUtilities;

/// <summary>Caps <see cref="KernelSettings.MaxVectorWidth"/> for the lifetime of a using block, then restores it.</summary>
public sealed class VectorWidthScope : IDisposable
{
    private readonly VectorWidth _previous;

    /// <summary>Caps kernels at <paramref name="width"/>.</summary>
    public VectorWidthScope(VectorWidth width)
    {
        _previous = KernelSettings.MaxVectorWidth;
        KernelSettings.MaxVectorWidth = width;
    }

    /// <summary>Every width this machine runs, as xunit theory data.</summary>
    public static TheoryData<VectorWidth> SupportedWidths()
    {
        var data = new TheoryData<VectorWidth>();
        foreach (VectorWidth w in KernelSettings.SupportedWidths)
            data.Add(w);
        return data;
    }

    /// <inheritdoc />
    public void Dispose() => KernelSettings.MaxVectorWidth = _previous;
}

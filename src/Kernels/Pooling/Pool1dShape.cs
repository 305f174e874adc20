namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>
/// Dimensions of a 1-D pooling window over channels-last sequences: input (N, T, C), the element of sample n, step t and
/// channel c at (n*T + t)*C + c; output (N, T_out, C). Padding steps on both ends never win a max and are left out of
/// averages; Padding &lt; Size, so every window holds at least one real step.
/// </summary>
public readonly record struct Pool1dShape(int Batch, int Steps, int Channels, int Size, int Stride, int Padding = 0)
{
    /// <summary>Output steps: (T + 2*Padding - Size) / Stride + 1.</summary>
    public int OutputSteps => (Steps + 2 * Padding - Size) / Stride + 1;
    /// <summary>Elements of the input: N*T*C.</summary>
    public int InputSize => Batch * Steps * Channels;
    /// <summary>Elements of the output: N*T_out*C.</summary>
    public int OutputSize => Batch * OutputSteps * Channels;

    /// <summary>The real input steps [First, End) of output step <paramref name="step"/>'s window.</summary>
    internal (int First, int End) Window(int step)
    {
        int start = step * Stride - Padding;
        return (Math.Max(0, start), Math.Min(Steps, start + Size));
    }

    /// <summary>Throws unless every dimension is usable.</summary>
    internal void Validate()
    {
        string? problem =
            Batch < 0 ? "Batch must not be negative" :
            Steps < 1 ? "Steps must be at least 1" :
            Channels < 1 ? "Channels must be at least 1" :
            Size < 1 || Size > PoolRows.MaxCount ? $"Size must be in 1..{PoolRows.MaxCount}" :
            Stride < 1 ? "Stride must be at least 1" :
            Padding < 0 || Padding >= Size ? "Padding must be in 0..Size-1, so that every window holds a real step" :
            (long)Steps + 2L * Padding < Size ? $"the padded sequence (Steps + 2*Padding = {(long)Steps + 2L * Padding}) is shorter than the window" :
            (long)Batch * Steps * Channels > int.MaxValue ? "the input would exceed int.MaxValue elements" :
            null;
        if (problem is not null)
            throw new ArgumentException($"Invalid 1-D pooling shape {this}: {problem}.", "shape");
    }

    /// <summary>The constructor arguments only, so an invalid shape (stride 0) still prints in an error message.</summary>
    public override string ToString() =>
        $"Pool1dShape {{ Batch = {Batch}, Steps = {Steps}, Channels = {Channels}, Size = {Size}, Stride = {Stride}, Padding = {Padding} }}";
}

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// Dimensions of a 1-D convolution over channels-last sequences: input (N, T, C), the element of sample n, step t and
/// channel c at (n*T + t)*C + c; weights (O, K, C), one K x C window per output channel; bias (O); output (N, T_out, O).
/// Padding is zeros, PadLeft steps before and PadRight steps after each sequence; <see cref="Conv1dPadding.Resolve"/>
/// turns valid / same / causal into the two counts.
/// </summary>
public readonly record struct Conv1dShape(
    int Batch, int Steps, int InputChannels, int OutputChannels, int KernelSize,
    int Stride = 1, int Dilation = 1, int PadLeft = 0, int PadRight = 0)
{
    /// <summary>Steps one window spans: Dilation*(K-1) + 1.</summary>
    public int EffectiveKernelSize => Dilation * (KernelSize - 1) + 1;
    /// <summary>Output steps: (T + PadLeft + PadRight - Dilation*(K-1) - 1) / Stride + 1.</summary>
    public int OutputSteps => (Steps + PadLeft + PadRight - EffectiveKernelSize) / Stride + 1;
    /// <summary>Floats of one window and of one output channel's weights: K*C.</summary>
    public int WindowSize => KernelSize * InputChannels;
    /// <summary>Elements of the input: N*T*C.</summary>
    public int InputSize => Batch * Steps * InputChannels;
    /// <summary>Elements of the output: N*T_out*O.</summary>
    public int OutputSize => Batch * OutputSteps * OutputChannels;
    /// <summary>Elements of the weights: O*K*C.</summary>
    public int WeightSize => OutputChannels * KernelSize * InputChannels;

    /// <summary>The constructor arguments only, so an invalid shape (stride 0) still prints in an error message.</summary>
    public override string ToString() =>
        $"Conv1dShape {{ Batch = {Batch}, Steps = {Steps}, InputChannels = {InputChannels}, OutputChannels = {OutputChannels}, " +
        $"KernelSize = {KernelSize}, Stride = {Stride}, Dilation = {Dilation}, PadLeft = {PadLeft}, PadRight = {PadRight} }}";
}

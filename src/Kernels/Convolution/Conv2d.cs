namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution (cross-correlation, as in every DL framework) with zero padding.</summary>
public static partial class Conv2d
{
    /// <summary>Floats of scratch space that <see cref="Forward"/>, <see cref="BackwardData"/> and <see cref="BackwardWeights"/> need for <paramref name="shape"/>.</summary>
    public static int WorkspaceSize(in Conv2dShape shape) => throw new NotImplementedException();

    /// <summary>
    /// output (N,O,OH,OW) := conv(input (N,C,H,W), weights (O,C,KH,KW)) + bias (O); bias may be empty.
    /// </summary>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace) => throw new NotImplementedException();

    /// <summary>dInput (N,C,H,W) := gradient of the loss w.r.t. the input, given dOutput (N,O,OH,OW). Overwrites dInput.</summary>
    public static void BackwardData(in Conv2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace) => throw new NotImplementedException();

    /// <summary>dWeights (O,C,KH,KW) += and dBias (O) += their gradients; dBias may be empty. Accumulates.</summary>
    public static void BackwardWeights(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<float> dWeights, Span<float> dBias, Span<float> workspace) => throw new NotImplementedException();
}

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Average pooling over NCHW batches; the divisor counts only cells inside the input.</summary>
public static class AvgPool2d
{
    /// <summary>output (N,C,OH,OW) := window means of input (N,C,H,W).</summary>
    public static void Forward(in Pool2dShape shape, ReadOnlySpan<float> input, Span<float> output)
        => throw new NotImplementedException();

    /// <summary>dInput (N,C,H,W) := dOutput spread evenly over each window. Overwrites dInput.</summary>
    public static void Backward(in Pool2dShape shape, ReadOnlySpan<float> dOutput, Span<float> dInput)
        => throw new NotImplementedException();
}

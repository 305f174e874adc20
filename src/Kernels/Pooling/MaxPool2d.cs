namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Max pooling over NCHW batches.</summary>
public static class MaxPool2d
{
    /// <summary>output (N,C,OH,OW) := window maxima of input (N,C,H,W); argmax records each winner's index within its (H*W) plane.</summary>
    public static void Forward(in Pool2dShape shape, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
        => throw new NotImplementedException();

    /// <summary>dInput (N,C,H,W) := dOutput routed to each window's winner. Overwrites dInput.</summary>
    public static void Backward(in Pool2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput)
        => throw new NotImplementedException();
}

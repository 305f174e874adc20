using MLNet.Extensions.Kernels.Convolution;

namespace MLNet.Extensions.Kernels.Tests.Reference;

/// <summary>Direct 1-D convolution in double over channels-last sequences: the oracle for Conv1d.</summary>
internal static class ReferenceConv1d
{
    /// <summary>y (N, T_out, O) from x (N, T, C), w (O, K, C) and bias (O) or null; taps in the padding read zero.</summary>
    public static double[] Forward(Conv1dShape s, double[] input, double[] weights, double[]? bias)
    {
        int outSteps = s.OutputSteps;
        var output = new double[s.Batch * outSteps * s.OutputChannels];
        for (int n = 0; n < s.Batch; n++)
        for (int t = 0; t < outSteps; t++)
        for (int o = 0; o < s.OutputChannels; o++)
        {
            double sum = bias is null ? 0 : bias[o];
            for (int k = 0; k < s.KernelSize; k++)
            {
                int p = t * s.Stride - s.PadLeft + k * s.Dilation;
                if (p < 0 || p >= s.Steps)
                    continue;
                for (int c = 0; c < s.InputChannels; c++)
                    sum += input[(n * s.Steps + p) * s.InputChannels + c] * weights[(o * s.KernelSize + k) * s.InputChannels + c];
            }
            output[(n * outSteps + t) * s.OutputChannels + o] = sum;
        }
        return output;
    }
}

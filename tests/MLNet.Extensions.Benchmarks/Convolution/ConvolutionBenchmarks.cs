using BenchmarkDotNet.Attributes;
using MLNet.Extensions.Benchmarks.Common;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Convolution;

namespace MLNet.Extensions.Benchmarks.Convolution;

/// <summary>
/// Convolution forward + backward-data + backward-weights for the LeNet shapes (batch 64, 5x5, pad 2) next to a naive
/// direct convolution (forward only, so the baseline ratio understates our advantage). GFLOPS = 3 x 2 N O OH OW C KH KW / time.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class ConvolutionBenchmarks
{
    private Conv2dShape _shape;
    private float[] _input = [], _weights = [], _bias = [], _output = [], _dInput = [], _dWeights = [], _dBias = [], _workspace = [];

    /// <summary>"1to16" is 1->16 channels on 28x28; "16to32" is 16->32 on 14x14.</summary>
    [Params("1to16@28", "16to32@14")]
    public string Layer { get; set; } = "";

    /// <summary>Kernel threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Allocates buffers once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        KernelSettings.ThreadCount = Threads;
        _shape = Layer == "1to16@28" ? new Conv2dShape(64, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2) : new Conv2dShape(64, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2);
        var random = new Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _input = Fill(_shape.InputSize);
        _weights = Fill(_shape.WeightSize);
        _bias = Fill(_shape.OutChannels);
        _output = new float[_shape.OutputSize];
        _dInput = new float[_shape.InputSize];
        _dWeights = new float[_shape.WeightSize];
        _dBias = new float[_shape.OutChannels];
        _workspace = new float[Conv2d.WorkspaceSize(_shape)];
    }

    /// <summary>Forward, backward-data and backward-weights, as one training step needs.</summary>
    [Benchmark]
    public void ForwardAndBackward()
    {
        Conv2d.Forward(_shape, _input, _weights, _bias, _output, _workspace);
        Conv2d.BackwardData(_shape, _output, _weights, _dInput, _workspace);
        Conv2d.BackwardWeights(_shape, _input, _output, _dWeights, _dBias, _workspace);
    }

    /// <summary>Naive direct convolution, forward only.</summary>
    [Benchmark(Baseline = true)]
    public void NaiveForward()
    {
        Conv2dShape s = _shape;
        for (int n = 0; n < s.Batch; n++)
        for (int o = 0; o < s.OutChannels; o++)
        for (int y = 0; y < s.OutHeight; y++)
        for (int x = 0; x < s.OutWidth; x++)
        {
            float sum = _bias[o];
            for (int c = 0; c < s.InChannels; c++)
            for (int ky = 0; ky < s.KernelHeight; ky++)
            {
                int iy = y - s.PadHeight + ky;
                if ((uint)iy >= (uint)s.Height)
                    continue;
                for (int kx = 0; kx < s.KernelWidth; kx++)
                {
                    int ix = x - s.PadWidth + kx;
                    if ((uint)ix < (uint)s.Width)
                        sum += _input[((n * s.InChannels + c) * s.Height + iy) * s.Width + ix] * _weights[((o * s.InChannels + c) * s.KernelHeight + ky) * s.KernelWidth + kx];
                }
            }
            _output[((n * s.OutChannels + o) * s.OutHeight + y) * s.OutWidth + x] = sum;
        }
    }
}

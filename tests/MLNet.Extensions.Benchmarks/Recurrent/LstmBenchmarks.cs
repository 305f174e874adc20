using BenchmarkDotNet.Attributes;
using MLNet.Extensions.Benchmarks.Common;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Recurrent;

namespace MLNet.Extensions.Benchmarks.Recurrent;

/// <summary>
/// LSTM layer forward + backward through time for batch 64, T = 28, F = 28, H = 128 (row-MNIST), next to a naive
/// per-step scalar forward. Sequences/s = 64 / median time; GFLOPS counts 2 T N 4H (F + H) per forward and twice that backward.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class LstmBenchmarks
{
    private readonly LstmShape _shape = new(64, 28, 28, 128);
    private float[] _x = [], _wIh = [], _wHh = [], _bias = [], _h = [], _c = [], _gates = [], _dH = [], _dX = [], _dWih = [], _dWhh = [], _dBias = [], _workspace = [];

    /// <summary>Kernel threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Allocates buffers once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        KernelSettings.ThreadCount = Threads;
        var random = new Random(1);
        float[] Fill(int n, float scale) => Enumerable.Range(0, n).Select(_ => ((float)random.NextDouble() - 0.5f) * scale).ToArray();
        LstmShape s = _shape;
        _x = Fill(s.Steps * s.Batch * s.InputSize, 1f);
        _wIh = Fill(s.GateSize * s.InputSize, 0.2f);
        _wHh = Fill(s.GateSize * s.HiddenSize, 0.2f);
        _bias = Fill(s.GateSize, 0.2f);
        _h = new float[s.Steps * s.Batch * s.HiddenSize];
        _c = new float[_h.Length];
        _gates = new float[s.Steps * s.Batch * s.GateSize];
        _dH = Fill(_h.Length, 0.1f);
        _dX = new float[_x.Length];
        _dWih = new float[_wIh.Length];
        _dWhh = new float[_wHh.Length];
        _dBias = new float[_bias.Length];
        _workspace = new float[Math.Max(LstmLayer.ForwardWorkspaceSize(s), LstmLayer.BackwardWorkspaceSize(s))];
    }

    /// <summary>One training step's LSTM work.</summary>
    [Benchmark]
    public void ForwardAndBackward()
    {
        LstmLayer.Forward(_shape, _x, _wIh, _wHh, _bias, [], [], [], _h, _c, _gates, _workspace);
        LstmLayer.Backward(_shape, _x, _wIh, _wHh, [], [], [], _h, _c, _gates, _dH, _dX, _dWih, _dWhh, _dBias, [], [], _workspace);
    }

    /// <summary>Naive forward: every gate of every step as scalar dot products.</summary>
    [Benchmark(Baseline = true)]
    public void NaiveForward()
    {
        LstmShape s = _shape;
        int h = s.HiddenSize, f = s.InputSize;
        var hPrev = new float[s.Batch * h];
        var cPrev = new float[s.Batch * h];
        var pre = new float[4 * h];
        for (int t = 0; t < s.Steps; t++)
        for (int b = 0; b < s.Batch; b++)
        {
            for (int g = 0; g < 4 * h; g++)
            {
                float sum = _bias[g];
                for (int k = 0; k < f; k++)
                    sum += _wIh[g * f + k] * _x[(t * s.Batch + b) * f + k];
                for (int k = 0; k < h; k++)
                    sum += _wHh[g * h + k] * hPrev[b * h + k];
                pre[g] = sum;
            }
            for (int j = 0; j < h; j++)
            {
                float i = 1 / (1 + MathF.Exp(-pre[j])), fg = 1 / (1 + MathF.Exp(-pre[h + j])), gg = MathF.Tanh(pre[2 * h + j]), o = 1 / (1 + MathF.Exp(-pre[3 * h + j]));
                cPrev[b * h + j] = fg * cPrev[b * h + j] + i * gg;
                _h[(t * s.Batch + b) * h + j] = hPrev[b * h + j] = o * MathF.Tanh(cPrev[b * h + j]);
            }
        }
    }
}

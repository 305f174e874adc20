using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Layers;

public class DropoutTests
{
    [Fact]
    public void SameSeedSameMaskAndTheRateIsRespected()
    {
        float[] x = Enumerable.Repeat(1f, 20_000).ToArray();
        var y1 = new float[x.Length];
        var y2 = new float[x.Length];
        var m1 = new float[x.Length];
        var m2 = new float[x.Length];
        var r1 = new KernelRandom(5);
        var r2 = new KernelRandom(5);
        Dropout.Forward(x, y1, m1, 0.3f, ref r1);
        Dropout.Forward(x, y2, m2, 0.3f, ref r2);
        Assert.Equal(y1, y2);
        double dropped = m1.Count(v => v == 0) / (double)m1.Length;
        Assert.InRange(dropped, 0.28, 0.32);
        Assert.All(m1.Where(v => v != 0), v => Assert.Equal(1f / 0.7f, v, 5));
        Assert.Equal(1.0, y1.Average(), 1); // inverted dropout keeps the expectation

        float[] dy = RandomData.Uniform(x.Length, 9);
        var dx = new float[x.Length];
        Dropout.Backward(dy, m1, dx);
        for (int i = 0; i < 50; i++)
            Assert.Equal(dy[i] * m1[i], dx[i]);
    }

    [Fact]
    public void RateOutOfRangeIsRejected()
    {
        var random = new KernelRandom(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(new float[2], new float[2], new float[2], 1f, ref random));
    }
}

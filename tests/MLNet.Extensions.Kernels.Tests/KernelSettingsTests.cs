using MLNet.Extensions.Kernels;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests;

public class KernelSettingsTests
{
    [Fact]
    public void EffectiveWidthNeverExceedsTheCap()
    {
        foreach (VectorWidth width in KernelSettings.SupportedWidths)
        {
            using var scope = new VectorWidthScope(width);
            Assert.Equal(width, KernelSettings.EffectiveVectorWidth);
        }
    }

    [Fact]
    public void RejectsInvalidSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelSettings.ThreadCount = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelSettings.MaxVectorWidth = (VectorWidth)64);
    }
}

using Quiver.Kernel.Hashing;

namespace Quiver.Kernel.Tests;

public class Crc32CTests
{
    [Fact]
    public void Crc32c_matches_the_standard_check_value_on_both_paths()
    {
        var check = "123456789"u8.ToArray();
        Assert.Equal(0xE3069283u, Crc32C.Compute(check));
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 333)), data.AsSpan(333)));
    }

    [Fact]
    public void Table_path_equals_the_instruction_path()
    {
        var rng = new Random(3);
        foreach (int n in new[] { 0, 1, 7, 8, 9, 63, 1000 })
        {
            var data = new byte[n];
            rng.NextBytes(data);
            Assert.Equal(Crc32C.ComputeWithTable(data), Crc32C.Compute(data));
        }
    }
}

namespace Microsoft.ML.GenerativeRec;

/// <summary>Where a model trains and scores.</summary>
public enum ComputeDevice
{
    /// <summary>CUDA when TorchSharp reports a usable GPU (a CUDA runtime package is referenced), else the CPU.</summary>
    Auto = 0,

    /// <summary>The CPU.</summary>
    Cpu = 1,

    /// <summary>The first CUDA GPU; training fails with <see cref="NotSupportedException"/> when none is available.</summary>
    Cuda = 2,
}

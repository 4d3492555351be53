using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// Sets TorchSharp's process-wide state for one <c>Fit</c> (thread count, seed) and restores the thread count on
/// dispose, so a training run never changes the settings of the code around it.
/// </summary>
/// <remarks>
/// Torch's global generator serves two streams of <see cref="RandomStreams"/>: it is seeded with the initialisation
/// stream here, for the modules built next, and with the dropout stream by <see cref="StartDropoutStream"/> once they
/// are built. Each is seeded once per <c>Fit</c>, not per epoch: each epoch must draw new dropout masks.
/// </remarks>
internal sealed class TorchRuntimeScope : IDisposable
{
    private readonly int _previousThreads;
    private readonly RandomStreams _streams;

    public TorchRuntimeScope(int? numberOfThreads, RandomStreams streams)
    {
        _previousThreads = get_num_threads();
        if (numberOfThreads is { } threads)
        {
            set_num_threads(threads);
        }

        _streams = streams;
        manual_seed(unchecked((long)streams.Initialisation));
    }

    /// <summary>Reseeds torch's global generator with the dropout stream: call once the model is initialised.</summary>
    public void StartDropoutStream() => manual_seed(unchecked((long)_streams.Dropout));

    public void Dispose() => set_num_threads(_previousThreads);

    /// <summary>
    /// The device for <paramref name="requested"/> under <paramref name="env"/>'s <c>GpuDeviceId</c> and
    /// <c>FallbackToCpu</c>, as ML.NET's TorchSharp trainers choose it; the one place that resolves devices, for
    /// training and for loading a model.
    /// </summary>
    /// <param name="requested">The trainer's <c>Options.Device</c>, or <see cref="ComputeDevice.Auto"/> when loading a model.</param>
    /// <param name="env">The host whose MLContext settings <see cref="ComputeDevice.Auto"/> follows; a fallback to the CPU is logged to it as a warning.</param>
    /// <exception cref="NotSupportedException">The device asked for is not a usable CUDA device, and no fallback applies.</exception>
    public static Device ResolveDevice(ComputeDevice requested, IHostEnvironment env)
    {
        TorchNativeLibrary.EnsureLoaded();                  // names a libtorch that shadows TorchSharp's (issue #16)
        int cudaDevices = cuda_is_available() ? cuda.device_count() : 0;
        var context = env as IHostEnvironmentInternal;       // every ML.NET host is one; a foreign host means no GPU settings
        var choice = ChooseDevice(requested, context?.GpuDeviceId, context?.FallbackToCpu ?? false, cudaDevices);
        if (choice.Warning is { } warning)
        {
            using var channel = env.Start("Device");
            channel.Warning(warning);
        }

        return choice.CudaIndex is { } index ? device(DeviceType.CUDA, index) : CPU;
    }

    /// <summary>
    /// The pure rule behind <see cref="ResolveDevice"/>: <see cref="ComputeDevice.Cpu"/> is the CPU;
    /// <see cref="ComputeDevice.Cuda"/> is GPU <paramref name="gpuDeviceId"/> (0 when null) or an exception;
    /// <see cref="ComputeDevice.Auto"/> is the CPU without <paramref name="gpuDeviceId"/>, else that GPU, else the CPU
    /// with a warning when <paramref name="fallbackToCpu"/>, else an exception.
    /// </summary>
    /// <param name="requested">The device asked for.</param>
    /// <param name="gpuDeviceId">The MLContext's <c>GpuDeviceId</c>.</param>
    /// <param name="fallbackToCpu">The MLContext's <c>FallbackToCpu</c>; only <see cref="ComputeDevice.Auto"/> falls back.</param>
    /// <param name="cudaDeviceCount">The CUDA devices TorchSharp can use (0 with the CPU-only runtime package).</param>
    /// <exception cref="NotSupportedException">The GPU asked for is not among the <paramref name="cudaDeviceCount"/> usable ones, and no fallback applies.</exception>
    internal static DeviceChoice ChooseDevice(ComputeDevice requested, int? gpuDeviceId, bool fallbackToCpu, int cudaDeviceCount)
    {
        if (requested == ComputeDevice.Cpu || (requested == ComputeDevice.Auto && gpuDeviceId is null))
        {
            return new DeviceChoice(CudaIndex: null, Warning: null);
        }

        int index = gpuDeviceId ?? 0;
        if (index >= 0 && index < cudaDeviceCount)
        {
            return new DeviceChoice(index, Warning: null);
        }

        string available = cudaDeviceCount == 0
            ? "TorchSharp reports no usable CUDA device"
            : $"TorchSharp reports {cudaDeviceCount} CUDA device(s), numbered from 0";
        string runtime = cudaDeviceCount == 0
            ? " Reference a CUDA runtime package (TorchSharp-cuda-windows or TorchSharp-cuda-linux) instead of TorchSharp-cpu."
            : $" Set MLContext.GpuDeviceId to a device from 0 to {cudaDeviceCount - 1}.";
        if (requested == ComputeDevice.Cuda)
        {
            throw new NotSupportedException(
                $"ComputeDevice.Cuda was requested on CUDA device {index}{(gpuDeviceId is null ? "" : " (MLContext.GpuDeviceId)")} but {available}.{runtime} " +
                "Or use ComputeDevice.Cpu, or ComputeDevice.Auto to follow the MLContext.");
        }

        if (fallbackToCpu)
        {
            return new DeviceChoice(CudaIndex: null, $"MLContext.GpuDeviceId is {index} but {available}; running on the CPU because MLContext.FallbackToCpu is true.");
        }

        throw new NotSupportedException(
            $"MLContext.GpuDeviceId is {index} but {available}.{runtime} Or set MLContext.GpuDeviceId to null to run on the CPU, " +
            "or MLContext.FallbackToCpu to true to fall back to it.");
    }

    /// <summary>Where <see cref="ChooseDevice"/> sends a run.</summary>
    /// <param name="CudaIndex">The CUDA device, or null for the CPU.</param>
    /// <param name="Warning">Why the run falls back to the CPU, or null.</param>
    internal readonly record struct DeviceChoice(int? CudaIndex, string? Warning);
}

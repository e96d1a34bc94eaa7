// Tests run on the TypeScript sources (not dist/), through ts-jest.
// Type checking happens once in `tsc -b` (npm test runs it first), so ts-jest
// only transpiles here.
const moduleNameMapper = {
  '^@dpb/adaptor-(memory|openflow|corsa)$': '<rootDir>/adaptors/$1/src',
  '^@dpb/(model|planner|switch|aggregator|store|server|testkit|protocol|cli|remote)$': '<rootDir>/packages/$1/src',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
};
const common = { rootDir: __dirname, moduleNameMapper, transform, testEnvironment: 'node' };

module.exports = {
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    // Real Open vSwitch, os-ken and packets: needs root and the Debian packages (.ci/run installs them).
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};

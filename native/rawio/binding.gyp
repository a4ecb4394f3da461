{
  'targets': [
    {
      'target_name': 'rawio',
      'sources': ['rawio.c'],
      'cflags': ['-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers'],
      'conditions': [['OS!="linux"', {'type': 'none'}]]
    }
  ]
}
